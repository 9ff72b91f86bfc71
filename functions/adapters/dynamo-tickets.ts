/**
 * Launch tickets in the `ephemeral` table (key in `./keys.ts`): stored under the ticket's hash with
 * an expiry, and consumed once by one conditional delete (STYLE.md principle 5), so that two
 * browsers racing with the same link cannot both launch.
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LaunchTicket, TicketStore } from '../ports';
import { conditional, consumeOnce } from './dynamo-items';
import { keys } from './keys';

export class DynamoTicketStore implements TicketStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(ticketHash: string, ticket: LaunchTicket): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.ticket(ticket.environmentId, ticketHash), kind: 'ticket', ...ticket },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'a ticket with this hash exists',
    );
  }

  async consume(environmentId: string, ticketHash: string, now: number): Promise<LaunchTicket | undefined> {
    const item = await consumeOnce(this.db, this.table, keys.ticket(environmentId, ticketHash), now);
    if (!item) return undefined;
    const { environmentId: env, activityId, userId, returnUrl, expiresAt } = item as unknown as LaunchTicket;
    return { environmentId: env, activityId, userId, ...(returnUrl ? { returnUrl } : {}), expiresAt };
  }

}
