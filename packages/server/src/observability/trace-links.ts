/**
 * Tracing a message from its send to its deliveries, across nodes.
 *
 * A send and its deliveries are different traces (one request, then N nodes × M sockets at
 * their own pace), so they are joined by a span *link*, not parenthood:
 * 1. `EventPublisher.publish()` is called inside the send's request, so the publisher captures
 *    `currentTraceparent()` there and carries it beside the events — in the broker message over
 *    Redis, never in the client-facing envelope;
 * 2. each node, when it fans an event out to its local subscribers, calls `traceDelivery()`:
 *    one `parley.deliver` span per event per node, linked to the send span.
 *
 * Uses only `@opentelemetry/api`: with tracing off both functions cost a property lookup (no
 * propagator is registered, so no traceparent is ever produced, and nothing is recorded).
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('parley');

/** W3C `traceparent` of the active span, or undefined when nothing is being traced. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

export interface DeliveryTrace {
  roomId: string;
  seq: number;
  /** How many local subscribers the event was written to on this node. */
  recipients: number;
  /** `currentTraceparent()` captured at publish time, if the send was traced. */
  traceparent: string | undefined;
}

/** One span for one event's local fan-out on this node, linked to the send that produced it. */
export function traceDelivery(d: DeliveryTrace): void {
  if (!d.traceparent) return;
  const sender = trace.getSpanContext(
    propagation.extract(ROOT_CONTEXT, { traceparent: d.traceparent }),
  );
  if (!sender) return;
  tracer
    .startSpan(
      'parley.deliver',
      {
        kind: SpanKind.CONSUMER,
        links: [{ context: sender }],
        attributes: {
          'parley.room_id': d.roomId,
          'parley.seq': d.seq,
          'parley.recipients': d.recipients,
        },
      },
      ROOT_CONTEXT,
    )
    .end();
}
