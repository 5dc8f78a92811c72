import * as z from 'zod';

/** A ride's own id, as producers send it: on the stream it becomes the output record's partition key. */
export type RideId = number | string;

/** Kinesis partition keys are 1–256 Unicode characters; a ride id must fit one. */
export const MAX_RIDE_ID_LENGTH = 256;

/** A ride id: a finite number or a string of 1–256 characters (the stream's rule, and HTTP's optional `ride_id`). */
export const RideIdSchema = z.union([z.number().finite(), z.string().min(1).max(MAX_RIDE_ID_LENGTH)]);
