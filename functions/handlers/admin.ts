/** Lambda: the admin API for environments, activities and users (IAM-authorized routes). */
import { adminRoutes } from '../admin/routes';
import { lambda } from '../http/lambda';
import { runtime } from '../app/runtime';

export const handler = lambda(adminRoutes(runtime), 'api-json');
