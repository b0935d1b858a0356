import { describe, it, expect } from "vitest";
import { FrameGuard } from "../../../../local/service-bus/frame-guard.js";

const MAX_FRAME_SIZE = 4096;
const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x03, 0x01, 0x00, 0x00]);
const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x01, 0x00, 0x00]);

/** A frame: 4-byte size, doff 2, type, channel, then the body. */
function frame(body: Buffer, options: { type?: number; channel?: number } = {}): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.writeUInt8(2, 4);
  header.writeUInt8(options.type ?? 0, 5);
  header.writeUInt16BE(options.channel ?? 0, 6);
  return Buffer.concat([header, body]);
}

function frameWithSize(size: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.writeUInt8(2, 4);
  return header;
}

/** A connection's opening bytes: SASL header and frames, then the AMQP header and frames. */
function validStream(): Buffer {
  return Buffer.concat([
    SASL_HEADER,
    frame(Buffer.from("sasl-init ANONYMOUS"), { type: 1 }),
    frame(Buffer.from("sasl-outcome"), { type: 1 }),
    AMQP_HEADER,
    frame(Buffer.from("open"), { type: 0 }),
    frame(Buffer.alloc(0)),
    // A body that itself starts with "AMQP" must not be mistaken for a protocol header.
    frame(Buffer.concat([Buffer.from("AMQP"), Buffer.alloc(300, 0x41)]), { channel: 1 }),
    frame(Buffer.alloc(MAX_FRAME_SIZE - 8, 7), { channel: 2 }),
    frame(Buffer.from("close")),
  ]);
}

function feed(guard: FrameGuard, chunks: Buffer[]): (string | undefined)[] {
  return chunks.map((chunk) => guard.check(chunk));
}

describe("FrameGuard", () => {
  it("when a valid stream arrives in one chunk, then it passes", () => {
    expect(new FrameGuard(MAX_FRAME_SIZE).check(validStream())).toBeUndefined();
  });

  it("when a valid stream is split into two chunks at every possible boundary, then it passes", () => {
    const stream = validStream();
    const failures: number[] = [];

    for (let split = 1; split < stream.length; split++) {
      const results = feed(new FrameGuard(MAX_FRAME_SIZE), [stream.subarray(0, split), stream.subarray(split)]);
      if (results.some((result) => result !== undefined)) failures.push(split);
    }

    expect(failures).toEqual([]);
  });

  it("when a valid stream arrives one byte at a time, then it passes", () => {
    const stream = validStream();
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const results = feed(
      guard,
      [...stream].map((byte) => Buffer.from([byte])),
    );

    expect(results.filter((result) => result !== undefined)).toEqual([]);
  });

  it("when a valid stream is split into three chunks around the protocol headers, then it passes", () => {
    const stream = validStream();
    const amqpHeaderAt = stream.indexOf(AMQP_HEADER);
    const failures: string[] = [];

    for (let first = 1; first < 12; first++) {
      for (let second = amqpHeaderAt - 4; second < amqpHeaderAt + 12; second++) {
        const results = feed(new FrameGuard(MAX_FRAME_SIZE), [
          stream.subarray(0, first),
          stream.subarray(first, second),
          stream.subarray(second),
        ]);
        if (results.some((result) => result !== undefined)) failures.push(`${first}/${second}`);
      }
    }

    expect(failures).toEqual([]);
  });

  it.each([0, 1, 7])("when a frame declares size %i (below the 8-byte header), then the stream fails", (size) => {
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const result = guard.check(Buffer.concat([AMQP_HEADER, frameWithSize(size)]));

    expect(result).toBe(`frame size ${size} is outside 8..${MAX_FRAME_SIZE}`);
  });

  it("when a frame declares more than the maximum frame size, then the stream fails", () => {
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const result = guard.check(Buffer.concat([AMQP_HEADER, frameWithSize(MAX_FRAME_SIZE + 1)]));

    expect(result).toBe(`frame size ${MAX_FRAME_SIZE + 1} is outside 8..${MAX_FRAME_SIZE}`);
  });

  it("when a frame is exactly the maximum size or the 8-byte minimum, then it passes", () => {
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const result = guard.check(
      Buffer.concat([AMQP_HEADER, frame(Buffer.alloc(MAX_FRAME_SIZE - 8)), frame(Buffer.alloc(0))]),
    );

    expect(result).toBeUndefined();
  });

  it("when a bad frame follows good ones, then the failure is reported on the chunk that carries it", () => {
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const results = feed(guard, [Buffer.concat([AMQP_HEADER, frame(Buffer.from("open"))]), frameWithSize(3)]);

    expect(results).toEqual([undefined, `frame size 3 is outside 8..${MAX_FRAME_SIZE}`]);
  });

  it("when an oversized frame's size field is split across chunks, then the failure is still found", () => {
    const bad = Buffer.concat([AMQP_HEADER, frameWithSize(MAX_FRAME_SIZE * 2)]);
    const guard = new FrameGuard(MAX_FRAME_SIZE);

    const results = feed(guard, [bad.subarray(0, 10), bad.subarray(10)]);

    expect(results).toEqual([undefined, `frame size ${MAX_FRAME_SIZE * 2} is outside 8..${MAX_FRAME_SIZE}`]);
  });

  it("when the stream has failed, then later chunks keep reporting the same failure", () => {
    const guard = new FrameGuard(MAX_FRAME_SIZE);
    const failure = guard.check(Buffer.concat([AMQP_HEADER, frameWithSize(2)]));

    const later = guard.check(frame(Buffer.from("valid on its own")));

    expect(failure).toBeDefined();
    expect(later).toBe(failure);
  });
});
