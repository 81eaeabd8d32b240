/** The server end of an HTTP/2 connection: accepts the client's streams; GOAWAY for shutdown. */
import type { Socket } from "node:net";
import { declaredContentLength, requestFieldsProblem, trailerFieldsProblem } from "./fields.js";
import { ConnectionError, ErrorCode } from "./frames.js";
import { H2Connection, StreamError, type ConnectionOptions, type H2Stream, type HeaderField } from "./connection.js";

export type StreamListener = (stream: H2Stream, headers: HeaderField[], endStream: boolean) => void;

export class H2ServerConnection extends H2Connection {
  private lastStreamId = 0;
  onClose: () => void = () => {};

  constructor(
    socket: Socket,
    opts: ConnectionOptions,
    private readonly onStream: StreamListener,
  ) {
    super(socket, opts, true);
  }

  protected override lastPeerStreamId(): number {
    return this.lastStreamId;
  }

  protected override isIdle(id: number): boolean {
    // Even ids would be ours, and we open none.
    return id % 2 === 0 || id > this.lastStreamId;
  }

  protected override newPeerStreamId(id: number): void {
    if (id % 2 === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `the client opened stream ${id} (even)`);
    this.lastStreamId = id;
  }

  protected onPeerStream(id: number, fields: HeaderField[], endStream: boolean): void {
    if (this.draining) throw new StreamError(ErrorCode.REFUSED_STREAM, "the server is going away");
    if (this.streams.size >= this.limits.maxConcurrentStreams) {
      throw new StreamError(
        ErrorCode.REFUSED_STREAM,
        `over SETTINGS_MAX_CONCURRENT_STREAMS ${this.limits.maxConcurrentStreams}`,
      );
    }
    if (this.sendBacklogged)
      throw new StreamError(ErrorCode.REFUSED_STREAM, "too many response bytes waiting for the client to read");
    const problem = requestFieldsProblem(fields);
    if (problem) throw new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed request on stream ${id}: ${problem}`);
    // §8.1.1: content-length must be a number, and a request that ends with its headers has no content.
    const declared = declaredContentLength(fields);
    if (declared !== undefined && (Number.isNaN(declared) || (endStream && declared > 0)))
      throw new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed request on stream ${id}: a bad content-length`);
    const s = this.newStream(id);
    if (declared !== undefined) s.contentLength = declared;
    s.headersSeen = true;
    if (endStream) s.remoteEnded = true;
    this.onStream(s, fields, endStream);
  }

  protected override checkFields(_s: H2Stream, fields: HeaderField[], endStream: boolean): string | undefined {
    if (!endStream) return "trailers without END_STREAM";
    return trailerFieldsProblem(fields);
  }

  protected onGoaway(): void {
    // The client opens no more streams; the open ones finish, then the connection closes.
  }

  protected override onClosed(): void {
    this.onClose();
  }
}
