/**
 * The running tracer, if any, shared between the `--import` preload (instrument.ts, which starts
 * it) and main.ts (which flushes it last on shutdown). A separate tiny module so that main.ts
 * never loads the OpenTelemetry SDK when tracing is off.
 */
import type { Tracing } from './tracing.js';

export const tracingState: { tracing?: Tracing } = {};
