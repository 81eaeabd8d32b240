/** The server end of an HTTP/2 connection: accepts the client's streams; GOAWAY for shutdown. */
import type { Socket } from "node:net";
import { ConnectionError, ErrorCode } from "./frames.js";
import { H2Connection, type ConnectionOptions, type H2Stream, type HeaderField } from "./connection.js";

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

  protected onPeerStream(id: number, fields: HeaderField[], endStream: boolean): void {
    // Late frames of a stream already answered or reset are dropped.
    if (id <= this.lastStreamId) return;
    if (id % 2 === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `the client opened stream ${id} (even)`);
    this.lastStreamId = id;
    const s = this.newStream(id);
    if (endStream) s.remoteEnded = true;
    if (this.draining) return this.reset(s, ErrorCode.REFUSED_STREAM);
    this.onStream(s, fields, endStream);
  }

  protected onGoaway(): void {
    // The client opens no more streams; the open ones finish, then the connection closes.
  }

  protected override onClosed(): void {
    this.onClose();
  }
}
