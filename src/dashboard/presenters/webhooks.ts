import type { DeadLetter } from '../../store/ports/webhooks.js';
import type { ListedEndpoint, WebhookAdmin } from '../../webhook/admin.js';

export interface WebhooksView {
  endpoints: ListedEndpoint[];
  deadLetters: DeadLetter[];
}

/** The Webhooks page: the endpoints and their dead letters, read through the webhook surface's admin. */
export async function presentWebhooks(admin: Pick<WebhookAdmin, 'list' | 'deadLetters'>): Promise<WebhooksView> {
  const [endpoints, deadLetters] = await Promise.all([admin.list(), admin.deadLetters()]);
  return { endpoints, deadLetters };
}
