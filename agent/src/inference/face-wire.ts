import { z } from 'zod';
import type { FaceObservation } from '../vision/face-pipeline.js';

/**
 * `POST /face`: the whole face pipeline on one frame in one request. The frame's RGB24 bytes are the body; this
 * header (JSON, {@link FaceRequest}) says its size, the stages to run and the pipeline's options.
 */
export const FACE_HEADER = 'x-face';

/** The name the whole face pipeline is counted under (the service's per-model stats, the client's reasons). */
export const FACE_PIPELINE = 'face-pipeline';

const finite = z.number().finite();
const point = z.tuple([finite, finite]);

/** What the `x-face` header says. */
export const faceRequestSchema = z.strictObject({
  width: z.number().int().positive().max(8192),
  height: z.number().int().positive().max(8192),
  stages: z.strictObject({ landmarks: z.boolean(), iris: z.boolean() }),
  options: z.strictObject({
    minPresence: finite,
    irisYawLimitDeg: finite,
    irisRollLimitDeg: finite,
  }),
});

export type FaceRequest = z.infer<typeof faceRequestSchema>;

const irisPosition = z.strictObject({ centre: point, offset: point });

/** The answer to `POST /face`: a {@link FaceObservation} as JSON. */
export const faceObservationSchema = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  faces: z.array(
    z.strictObject({
      score: finite,
      x: finite,
      y: finite,
      width: finite,
      height: finite,
      keypoints: z.array(point),
    }),
  ),
  noseOffset: finite,
  pose: z
    .strictObject({
      yaw: finite,
      pitch: finite,
      roll: finite,
      eyeOpenness: finite,
      mouthOpenness: finite,
    })
    .optional(),
  iris: z.strictObject({ right: irisPosition, left: irisPosition, x: finite, y: finite }).optional(),
  busyMs: finite,
}) satisfies z.ZodType<FaceObservation>;

/** The `x-face` header's request; throws (naming the field) on a malformed one. */
export function decodeFaceRequest(header: string | string[] | undefined): FaceRequest {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) throw new Error(`${FACE_HEADER} header missing`);
  const parsed = faceRequestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`${FACE_HEADER}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
