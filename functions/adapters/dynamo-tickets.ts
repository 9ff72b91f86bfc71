/**
 * Launch tickets in the `ephemeral` table (key in `./keys.ts`): stored under the ticket's hash with
 * an expiry, and consumed once by one conditional delete (STYLE.md principle 5), so that two
 * browsers racing with the same link cannot both launch.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../errors';
import type { LaunchTicket, TicketStore } from '../ports';
import { conditional } from './dynamo-items';
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
    try {
      const { Attributes } = await conditional(
        () =>
          this.db.send(
            new DeleteCommand({
              TableName: this.table,
              Key: keys.ticket(environmentId, ticketHash),
              // An expired item counts as absent: DynamoDB's TTL deletes lazily, and dynalite never does.
              ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
              ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
              ReturnValues: 'ALL_OLD',
            }),
          ),
        'ticket unknown, used or expired',
      );
      if (!Attributes) return undefined;
      const { environmentId: env, activityId, userId, returnUrl, expiresAt } = Attributes as LaunchTicket;
      return { environmentId: env, activityId, userId, ...(returnUrl ? { returnUrl } : {}), expiresAt };
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }
}
