/**
 * The answers of POST /api/v1/events, shared by the server that builds them (server/api.ts) and the
 * browser sender that reads them (telemetry/sender.ts). The request body is telemetry/schema.ts.
 */
import { z } from 'zod';

const count = z.int().min(0);

/** One problem with a request or an event: a dotted path into the body or event ('' for all of it). */
export const issueSchema = z.object({ path: z.string(), message: z.string() });
/** One problem with a request or an event. */
export type Issue = z.infer<typeof issueSchema>;

/** An event the server would not store, named by its index in the batch (and its id, if it had one). */
export const rejectedEventSchema = z.object({
	index: count,
	id: z.string().nullable(),
	issues: z.array(issueSchema)
});
/** An event the server would not store, as the 207 answer lists it. */
export type RejectedEventReport = z.infer<typeof rejectedEventSchema>;

/** 202: every event was valid and is stored (`duplicates` were already stored, or repeated in the batch). */
export const eventsAcceptedSchema = z.object({ accepted: count, duplicates: count });
/** The 202 answer. */
export type EventsAccepted = z.infer<typeof eventsAcceptedSchema>;

/** 207: the valid events are stored, the `rejected` ones are not (and never will be: do not resend). */
export const eventsPartialSchema = eventsAcceptedSchema.extend({
	rejected: z.array(rejectedEventSchema).min(1)
});
/** The 207 answer. */
export type EventsPartial = z.infer<typeof eventsPartialSchema>;

/** Any error answer (400, 413, 415, 429, 503): what went wrong, and for 400 the issues found. */
export const apiErrorSchema = z.object({ error: z.string(), issues: z.array(issueSchema).optional() });
/** An error answer. */
export type ApiError = z.infer<typeof apiErrorSchema>;

/** 400: the body is not JSON, has no events array, or no valid event; nothing was stored. */
export const eventsBadRequestSchema = apiErrorSchema.required({ issues: true });
/** The 400 answer. */
export type EventsBadRequest = z.infer<typeof eventsBadRequestSchema>;

/** How many of the batch's events an accepting answer accounts for (stored, duplicate or rejected). */
export function accountedFor(answer: EventsAccepted | EventsPartial): number {
	return answer.accepted + answer.duplicates + ('rejected' in answer ? answer.rejected.length : 0);
}
