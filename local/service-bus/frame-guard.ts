// Checks frame boundaries before rhea parses them: a frame shorter than its own header or
// larger than the negotiated maximum is a framing error, not something to buffer or loop on.
const PROTOCOL_HEADER = Buffer.from("AMQP", "ascii");
const FRAME_HEADER_BYTES = 8;

export class FrameGuard {
  readonly #maxFrameSize: number;
  #skip = 0;
  #partial = Buffer.alloc(0);
  #failure: string | undefined;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Returns undefined while the stream is well framed, else why it is not. */
  check(chunk: Buffer): string | undefined {
    if (this.#failure !== undefined) return this.#failure;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= step;
        offset += step;
        continue;
      }
      const need = this.#startsProtocolHeader() ? 8 : 4;
      const take = Math.min(need - this.#partial.length, chunk.length - offset);
      this.#partial = Buffer.concat([this.#partial, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.#partial.length < 4) continue;
      if (this.#startsProtocolHeader()) {
        if (this.#partial.length < 8) continue;
        this.#partial = Buffer.alloc(0);
        continue;
      }
      const size = this.#partial.readUInt32BE(0);
      if (size < FRAME_HEADER_BYTES || size > this.#maxFrameSize) {
        this.#failure = `frame size ${size} is outside ${FRAME_HEADER_BYTES}..${this.#maxFrameSize}`;
        return this.#failure;
      }
      this.#skip = size - this.#partial.length;
      this.#partial = Buffer.alloc(0);
    }
    return undefined;
  }

  #startsProtocolHeader(): boolean {
    const length = Math.min(this.#partial.length, 4);
    return length > 0 && this.#partial.subarray(0, length).equals(PROTOCOL_HEADER.subarray(0, length));
  }
}
