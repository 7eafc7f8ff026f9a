/** A request body that counts how often it was pulled: proof that a check ran before any read. */
export function countedBody(text: string) {
  const counter = { pulls: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        counter.pulls++;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    },
    // No read-ahead: a pull happens only when someone reads.
    { highWaterMark: 0 },
  );
  return { body, counter };
}

/**
 * A 50 MB body streamed in 64 KiB chunks of spaces, counting its pulls: a reader with a 1 MiB
 * limit that stops at it pulls about 17.
 */
export function fiftyMegabytes() {
  const counter = { pulls: 0 };
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulls++;
      if (counter.pulls * chunk.byteLength > 50 * 1024 * 1024) controller.close();
      else controller.enqueue(chunk);
    },
  });
  return { body, counter };
}
