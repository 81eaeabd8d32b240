// The Watch-stream machinery: what a feed hands out, when it ends, and that it lets go of its source.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WatchEnds, WatchFeed } from "@acme/watch";

/** A source with one listener slot, as HealthStatusRegistry and DependencyMonitor offer. */
function source<E>() {
  const listeners = new Set<(e: E) => void>();
  const ends = new WatchEnds();
  return {
    listeners,
    ends,
    emit: (e: E) => {
      for (const l of [...listeners]) l(e);
    },
    subscribe(push: (e: E) => void) {
      listeners.add(push);
      return () => listeners.delete(push);
    },
    onEndWatches: (end: () => void) => ends.add(end),
  };
}

test("every change, in order; changes that came before the end are still handed out", async () => {
  const s = source<number>();
  const call = new AbortController();
  const feed = new WatchFeed<number>({ ...s, signal: call.signal });
  s.emit(1);
  s.emit(2);
  assert.deepEqual(await feed.next(), [1, 2]);
  const waiting = feed.next();
  s.emit(3);
  assert.deepEqual(await waiting, [3]);
  s.emit(4);
  s.ends.endAll();
  assert.deepEqual(await feed.next(), [4]);
  assert.equal(await feed.next(), undefined);
  feed.close();
  assert.equal(s.listeners.size, 0);
});

test("latestOnly keeps one change however many come while the client is slow", async () => {
  const s = source<number>();
  const feed = new WatchFeed<number>({ ...s, signal: new AbortController().signal, latestOnly: true });
  for (let i = 0; i < 10_000; i++) s.emit(i);
  assert.deepEqual(await feed.next(), [9_999]);
  feed.close();
});

test("the end of the call ends a waiting feed, and close() unregisters from the source", async () => {
  const s = source<number>();
  const call = new AbortController();
  const feed = new WatchFeed<number>({ ...s, signal: call.signal });
  const waiting = feed.next();
  call.abort();
  assert.equal(await waiting, undefined);
  feed.close();
  let ended = 0;
  s.ends.add(() => ended++);
  s.ends.endAll();
  assert.equal(ended, 1, "the closed feed's end callback is gone; only the new one ran");
  assert.equal(s.listeners.size, 0);
});
