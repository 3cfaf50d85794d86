import type pg from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { formatLsn, parseLsn } from '../apply/lsn.js';
import { decodePgoutput, type PgoutputMessage } from './pgoutput-decoder.js';

/**
 * The monolith's change stream for one slot, through pg-logical-replication: START_REPLICATION
 * with pgoutput, flow control (a bounded queue; the socket is paused while it is full, so a
 * slow target makes the monolith wait instead of filling memory), and acknowledgements sent
 * only when the caller says so.
 *
 * The library's own pgoutput parser converts values to JS types and loses the difference
 * between NULL and an unchanged TOAST value; this reader plugs in its own decoder that keeps
 * PostgreSQL's text (src/sync/stream/pgoutput-decoder.ts).
 *
 * The queue is this reader's, not the library's (its flowControl option awaits an async event
 * emission per message, a third of the CPU of receiving and decoding): messages are handed
 * over one at a time, in order, and a handler that finishes synchronously costs no promise.
 */

export type DecodedMessage = PgoutputMessage | { readonly tag: 'error'; readonly error: unknown };

/** Messages, and bytes of them as received, queued before the socket is paused. */
const HIGH_WATER = 10_000;
const HIGH_WATER_BYTES = 16 * 1024 * 1024;

/** Session settings under which the monolith writes values as text; the applier reads them back the same way. */
const OUTPUT_SETTINGS = '-c DateStyle=ISO -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=1 -c bytea_output=hex';

/** A pg-logical-replication output plugin (structurally: name, start, parse) decoding to text. */
class TextPgoutputPlugin {
  readonly options: { protoVersion: 1; publicationNames: string[] };
  received = 0;
  /** Size of the last message parsed, as received. */
  lastBytes = 0;
  /** The replication connection's client, once streaming: its socket is paused when the queue is full. */
  client: pg.Client | undefined;

  constructor(publication: string) {
    this.options = { protoVersion: 1, publicationNames: [publication] };
  }

  get name(): string {
    return 'pgoutput';
  }

  start(client: pg.Client, slotName: string, lastLsn: string): Promise<unknown> {
    const slot = '"' + slotName.replace(/"/g, '""') + '"';
    this.client = client;
    const pubs = this.options.publicationNames.map((p) => p.replace(/'/g, "''")).join(',');
    return client.query(`START_REPLICATION SLOT ${slot} LOGICAL ${lastLsn} (proto_version '1', publication_names '${pubs}')`);
  }

  /** Called by the library for every XLogData message, in order. Never throws (it runs in a socket callback). */
  parse(buffer: Buffer): DecodedMessage {
    this.received++;
    this.lastBytes = buffer.length;
    try {
      return decodePgoutput(buffer);
    } catch (error) {
      return { tag: 'error', error };
    }
  }
}

export interface ReaderHandlers {
  /** Awaited (when it returns a promise) before the next message is delivered. Must not reject. */
  readonly onMessage: (message: DecodedMessage) => Promise<void> | undefined;
  /** The server's keepalive: WAL up to `lsn` has been decoded and sent. */
  readonly onKeepalive: (lsn: bigint, replyRequested: boolean) => void;
  readonly onError: (error: unknown) => void;
}

export class ReplicationReader {
  private readonly service: LogicalReplicationService;
  private readonly plugin: TextPgoutputPlugin;
  private flushed: bigint = 0n;
  private stopping = false;
  private queue: Array<DecodedMessage | undefined> = [];
  private sizes: number[] = [];
  private queuedBytes = 0;
  /** Index of the next message to hand over. */
  private head = 0;
  private draining = false;
  private paused = false;
  /** Settles when the stream ends (rejects on a connection failure). */
  done: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly slot: string,
    publication: string,
    private readonly handlers: ReaderHandlers,
    applicationName = 'dbsplit shadow run',
  ) {
    this.plugin = new TextPgoutputPlugin(publication);
    this.service = new LogicalReplicationService(
      { connectionString: url, application_name: applicationName, options: OUTPUT_SETTINGS, connectionTimeoutMillis: 10_000 },
      // The library's periodic acknowledgement would confirm what was received, not what the
      // target committed: off (timeoutSeconds 0); acknowledgements go out from `acknowledge`.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: false } },
    );
    this.service.on('data', (_lsn: string, message: DecodedMessage) => this.enqueue(message));
    this.service.on('heartbeat', (lsn: string, _time: number, replyRequested: boolean) => this.handlers.onKeepalive(parseLsn(lsn), replyRequested));
    this.service.on('error', (e: Error) => {
      if (!this.stopping) this.handlers.onError(e);
    });
  }

  /** Messages received from the server and not yet handled (the one being handled included). */
  backlog(handled: number): number {
    return this.plugin.received - handled;
  }

  private enqueue(message: DecodedMessage): void {
    if (this.stopping) return;
    const bytes = this.plugin.lastBytes;
    this.queue.push(message);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    if (!this.paused && (this.queue.length - this.head >= HIGH_WATER || this.queuedBytes >= HIGH_WATER_BYTES)) {
      this.paused = true;
      this.socket()?.pause();
    }
    if (!this.draining) void this.drain();
  }

  /** Hand the queued messages over in order, waiting for a handler only when it returns a promise. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.head < this.queue.length && !this.stopping) {
        const message = this.queue[this.head]!;
        this.queuedBytes -= this.sizes[this.head]!;
        this.queue[this.head++] = undefined;
        const pending = this.handlers.onMessage(message);
        if (pending !== undefined) await pending;
        if (this.head >= 4096) {
          this.queue = this.queue.slice(this.head);
          this.sizes = this.sizes.slice(this.head);
          this.head = 0;
        }
        if (this.paused && this.queue.length - this.head < HIGH_WATER / 2 && this.queuedBytes < HIGH_WATER_BYTES / 2) {
          this.paused = false;
          this.socket()?.resume();
        }
      }
    } finally {
      this.queue = [];
      this.sizes = [];
      this.queuedBytes = 0;
      this.head = 0;
      this.draining = false;
    }
  }

  private socket(): { pause(): void; resume(): void } | undefined {
    // pg's Client keeps its socket on `connection.stream` (not in its typings); pausing it stops
    // reading, so the server's sends block once the socket buffers are full.
    return (this.plugin.client as unknown as { connection?: { stream?: { pause(): void; resume(): void } } } | undefined)?.connection?.stream;
  }

  /**
   * Start streaming from `from` (the server starts at the slot's confirmed position if that is
   * later); `confirmed`: the slot's confirmed position, below which no acknowledgement goes.
   */
  start(from: bigint, confirmed: bigint = from): void {
    this.flushed = confirmed > from ? confirmed : from;
    this.done = this.service.subscribe(this.plugin as never, this.slot, formatLsn(from));
    // Failures also arrive through onError; this keeps an unobserved rejection from crashing the process.
    this.done.catch(() => undefined);
  }

  /**
   * Tell the server that everything before `lsn` is safely in the target (it may then recycle
   * that WAL). Never moves backwards. `ping` asks the server for a keepalive in reply.
   */
  acknowledge(lsn: bigint, ping = false): void {
    if (lsn > this.flushed) this.flushed = lsn;
    if (this.flushed === 0n) return;
    // The library reports lsn + 1 as flushed.
    void this.service.acknowledge(formatLsn(this.flushed - 1n), ping).catch(() => undefined);
  }

  get acknowledged(): bigint {
    return this.flushed;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.service.destroy().catch(() => undefined);
  }
}
