/**
 * What one HTTP/2 peer may make us hold or do, per connection. Every value has a default at
 * least as protective as nghttp2's (the HTTP/2 inside node:http2) and an option to change it;
 * the comment says what the peer receives when it goes over.
 */
export interface H2Limits {
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS we advertise: streams the peer may have open at once. A
   * stream over it is refused with RST_STREAM REFUSED_STREAM before any handler runs. Default 256.
   */
  maxConcurrentStreams: number;
  /**
   * CONTINUATION frames after one HEADERS frame. More: GOAWAY ENHANCE_YOUR_CALM. Default: enough
   * for a header list at maxHeaderListBytes cut into 16 KiB frames (the smallest frame size a
   * peer may use, and grpc-go's), and at least 32 (nghttp2 allows 8 per block, which a grpc-go
   * error with a large body exceeds).
   */
  maxContinuationFrames?: number;
  /**
   * RST_STREAM frames received (rapid reset, CVE-2023-44487): a burst, then a rate per second.
   * Over it: GOAWAY ENHANCE_YOUR_CALM. Default 1000, then 100/s (nghttp2: 1000, then 33/s).
   */
  resets: RateLimit;
  /** PING frames received. Over it: GOAWAY ENHANCE_YOUR_CALM. Default 1000, then 100/s. */
  pings: RateLimit;
  /** SETTINGS frames received. Over it: GOAWAY ENHANCE_YOUR_CALM. Default 100, then 10/s. */
  settings: RateLimit;
  /**
   * Frames that carry nothing: empty DATA without END_STREAM, PRIORITY, frames of unknown type.
   * Over it: GOAWAY ENHANCE_YOUR_CALM. Default 1000, then 100/s (node:http2 allows 1000 invalid frames).
   */
  emptyFrames: RateLimit;
  /**
   * Control frames we queued (SETTINGS and PING ACKs, RST_STREAM, WINDOW_UPDATE) that the socket
   * has not taken yet, because the peer does not read. Over it: GOAWAY ENHANCE_YOUR_CALM and
   * the connection closes. Default 1000 (nghttp2's max outbound ACKs).
   */
  maxQueuedControlFrames: number;
  /**
   * Response bytes waiting to be sent on a connection (for flow-control window or for the
   * socket). While over it, new streams are refused with REFUSED_STREAM. Default 32 MiB.
   */
  maxPendingSendBytes: number;
  /**
   * DATA bytes received and not consumed yet (messages not complete, so not handed on), summed
   * over the connection. Flow control already bounds them by the connection window, which reopens
   * only as bytes are consumed; this is lower, so that streams holding incomplete messages can
   * never use up the whole window and stall every other stream (a peer that interleaves large
   * messages would otherwise deadlock). The stream whose DATA goes over it is reset with
   * REFUSED_STREAM, its bytes released. Default 64 MiB, and at most 3/4 of the connection window.
   */
  maxBufferedRecvBytes: number;
  /**
   * DATA written to the socket ahead of what it has taken: past it, streams wait for the socket
   * to drain instead of buffering in memory. Default 1 MiB.
   */
  writeHighWaterBytes: number;
  /**
   * The connection preface and first SETTINGS must arrive within this many ms, else GOAWAY
   * SETTINGS_TIMEOUT and close. Default 10 s; 0 = none.
   */
  handshakeTimeoutMs: number;
  /**
   * Our SETTINGS must be acknowledged within this many ms (RFC 9113 §6.5.3), else GOAWAY
   * SETTINGS_TIMEOUT and close. A SETTINGS ACK when none is due is a PROTOCOL_ERROR, as in
   * nghttp2. Default 10 s; 0 = none.
   */
  settingsAckTimeoutMs: number;
  /**
   * A connection without open streams for this many ms is closed with GOAWAY NO_ERROR. Default
   * 5 minutes on a server, none (0) on a client.
   */
  idleTimeoutMs: number;
  /** After a GOAWAY for an error, the socket is destroyed after this many ms. Default 1000. */
  closeGraceMs: number;
}

/** A token bucket: `burst` events at once, refilled at `perSecond`. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export const DEFAULT_LIMITS: Readonly<H2Limits> = Object.freeze({
  maxConcurrentStreams: 256,
  resets: { burst: 1000, perSecond: 100 },
  pings: { burst: 1000, perSecond: 100 },
  settings: { burst: 100, perSecond: 10 },
  emptyFrames: { burst: 1000, perSecond: 100 },
  maxQueuedControlFrames: 1000,
  maxPendingSendBytes: 32 * 1024 * 1024,
  maxBufferedRecvBytes: 64 * 1024 * 1024,
  writeHighWaterBytes: 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  settingsAckTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  closeGraceMs: 1000,
});

/** A token bucket over the monotonic clock. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    if (this.tokens < 1) {
      const now = performance.now();
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
      this.last = now;
      if (this.tokens < 1) return false;
    }
    this.tokens--;
    return true;
  }
}
