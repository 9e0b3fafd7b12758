/**
 * Tracing a message from its send to its deliveries.
 *
 * A send and its deliveries are different traces (one request, then fan-out to many sockets at
 * their own pace), so they are joined by a span *link*, not parenthood: `Hub.publish()` runs
 * inside the send's request, captures `currentTraceparent()` there, and after handing each event
 * to its local subscribers records one `parley.deliver` span (room, seq, recipients) linked to
 * the send span.
 *
 * Not yet: deliveries on other nodes. The broker forwards the client-facing envelope verbatim
 * (encoded once), so carrying the traceparent across needs a field in the broker framing
 * (redis-broker.ts prefixes each payload with the node id; a traceparent could ride there).
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
