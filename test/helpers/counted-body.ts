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
