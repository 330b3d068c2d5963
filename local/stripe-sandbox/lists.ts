/**
 * Stripe's list object `{object: "list", data, has_more, url}` with cursor pagination,
 * the shape stripe-node's auto-pagination reads (`starting_after` = last id of a page).
 */
import { invalidRequest, resourceMissing } from './errors';
import { FormObject } from './form';
import { readInteger, readString } from './params';

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'expand'] as const;

/**
 * Returns one page of `items`, which must already be filtered to the caller's account
 * and mode and sorted newest first, as Stripe lists are.
 */
export function paginate<T extends { id: string }>(
  items: T[],
  params: FormObject,
  url: string,
  objectName: string,
): ListObject<T> {
  const limit = readInteger(params, 'limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = readString(params, 'starting_after');
  const endingBefore = readString(params, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: ending_before, starting_after.',
      {
        param: 'ending_before',
      },
    );
  }
  if (endingBefore !== undefined) {
    const index = items.findIndex((item) => item.id === endingBefore);
    if (index === -1) {
      throw resourceMissing(objectName, endingBefore, 'ending_before');
    }
    const start = Math.max(0, index - limit);
    return { object: 'list', data: items.slice(start, index), has_more: start > 0, url };
  }
  let start = 0;
  if (startingAfter !== undefined) {
    const index = items.findIndex((item) => item.id === startingAfter);
    if (index === -1) {
      throw resourceMissing(objectName, startingAfter, 'starting_after');
    }
    start = index + 1;
  }
  return {
    object: 'list',
    data: items.slice(start, start + limit),
    has_more: start + limit < items.length,
    url,
  };
}

/**
 * Reads a `created` filter: an integer for an exact time, or `created[gt|gte|lt|lte]`.
 * Returns a predicate on Unix seconds.
 */
export function readCreatedFilter(params: FormObject): (created: number) => boolean {
  const value = Object.hasOwn(params, 'created') ? params.created : undefined;
  if (value === undefined) {
    return () => true;
  }
  if (typeof value === 'string') {
    const exact = readInteger(params, 'created');
    return (created) => exact === undefined || created === exact;
  }
  if (Array.isArray(value)) {
    throw invalidRequest('Invalid created: use created=<timestamp> or created[gte]=<timestamp>.', {
      param: 'created',
    });
  }
  const bounds = {
    gt: readInteger(value, 'gt', { prefix: 'created' }),
    gte: readInteger(value, 'gte', { prefix: 'created' }),
    lt: readInteger(value, 'lt', { prefix: 'created' }),
    lte: readInteger(value, 'lte', { prefix: 'created' }),
  };
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(bounds, key)) {
      throw invalidRequest(`Received unknown parameter: created[${key}]`, {
        param: `created[${key}]`,
        code: 'parameter_unknown',
      });
    }
  }
  return (created) =>
    (bounds.gt === undefined || created > bounds.gt) &&
    (bounds.gte === undefined || created >= bounds.gte) &&
    (bounds.lt === undefined || created < bounds.lt) &&
    (bounds.lte === undefined || created <= bounds.lte);
}
