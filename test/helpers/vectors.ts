/** An ESP's signature vectors (`<fixture dir>/vectors/vectors.json`), read in Node. */
import { readFileSync } from 'node:fs';

/** What every vector states; `Extra` adds the provider's own key fields. */
export interface SignatureVector {
  name: string;
  body_file: string;
  headers: Record<string, string>;
  expect_valid: boolean;
}

/** The vector file under `dir`; `Top` types what it holds besides `vectors`. */
export const readVectors = <Extra, Top = unknown>(dir: URL) =>
  JSON.parse(readFileSync(new URL('vectors/vectors.json', dir), 'utf8')) as Top & {
    vectors: (SignatureVector & Extra)[];
  };
