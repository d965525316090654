/**
 * A signal that aborts when `parent` does or `ms` after now, whichever comes first (with a `TimeoutError` as the
 * reason for the time-out): what `AbortSignal.any([parent, AbortSignal.timeout(ms)])` means. That composition is not
 * used because in Node 20 the timeout signal inside it may be garbage-collected before it fires, and the composite
 * then never times out (nodejs/node#57736): a request to an endpoint that never answers would wait forever. Here the
 * timer holds the controller, so the time-out fires whatever the collector does; it is cleared when the signal
 * aborts, and the listener on `parent` is removed then.
 */
export function deadline(parent: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  const onParent = () => controller.abort(parent.reason);
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')),
    ms,
  );
  timer.unref();
  parent.addEventListener('abort', onParent, { once: true });
  controller.signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
    { once: true },
  );
  return controller.signal;
}
