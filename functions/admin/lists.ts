/** The admin API's answer to a list: `{<name>: [...], next?}`, `next` being the cursor of the following page. */
import type { Page } from '../ports';

export function listAnswer<T>(name: string, page: Page<T>, view: (item: T) => unknown): Record<string, unknown> {
  return { [name]: page.items.map(view), ...(page.next ? { next: page.next } : {}) };
}
