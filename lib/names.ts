/**
 * CDK ids from the camelCase names of `functions/tables.ts` and `functions/routes.ts`: `lti13Tool`
 * becomes the construct `Lti13ToolFunction`, `data` the table `Data` and the output `DataTableName`.
 */

/** The name with its first letter in upper case. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
