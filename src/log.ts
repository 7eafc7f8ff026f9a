/** Logging: one JSON line per message, with the fields an on-call person needs. */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Level = keyof Logger;

// Lines logged within one millisecond share one ISO string: toISOString is most of a line's cost.
let _lastMs = NaN;
let _lastIso = '';

function _now(): string {
  const ms = Date.now();
  if (ms !== _lastMs) {
    _lastMs = ms;
    _lastIso = new Date(ms).toISOString();
  }
  return _lastIso;
}

// A request can put anything in a string a line quotes (a 64 KB path or header, a body field a
// refusal names): in a line longer than this, strings longer than this are cut, so one line stays
// one readable line.
const _MAX = 2000;

const _cut = (_key: string, value: unknown): unknown =>
  typeof value === 'string' && value.length > _MAX ? `${value.slice(0, _MAX)}…` : value;

const _spread = (level: Level, message: string, fields?: LogFields, cut?: typeof _cut): string =>
  JSON.stringify({ level, msg: message, time: _now(), ...fields }, cut);

/**
 * `{ level, msg, time, ...fields }` as JSON, written by concatenation rather than by copying the
 * fields into a new object. Fields named level, msg or time replace those, as the spread would.
 */
function _line(level: Level, message: string, fields?: LogFields): string {
  const head = `{"level":"${level}","msg":${JSON.stringify(message)},"time":"${_now()}"`;
  let line = `${head}}`;
  try {
    if (fields) {
      const rest: unknown =
        'level' in fields || 'msg' in fields || 'time' in fields ? 0 : JSON.stringify(fields);
      // Anything but an object's JSON (a toJSON of its own) goes the long way round.
      if (typeof rest !== 'string' || rest.charCodeAt(0) !== 123 /* { */) {
        line = _spread(level, message, fields);
      } else if (rest.length > 2) line = `${head},${rest.slice(1)}`;
    }
  } catch {
    // A field that cannot be serialised (a cycle, a BigInt) must not lose the line.
    fields = undefined;
  }
  return line.length > _MAX ? _spread(level, message, fields, _cut) : line;
}

/** The four levels, in the order a logger's methods are written. */
const _LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

type _Method = (message: string, fields?: LogFields) => void;

/** A logger whose method for each level is `method(level)`. */
const _byLevel = (method: (level: Level) => _Method): Logger =>
  Object.fromEntries(_LEVELS.map((level) => [level, method(level)])) as unknown as Logger;

/** A logger writing one JSON line per call through `write` (benchmarks pass one that drops it). */
export const createJsonLogger = (write: (level: Level, line: string) => void): Logger =>
  _byLevel((level) => (message, fields) => write(level, _line(level, message, fields)));

/** The default logger: JSON lines on the console (stdout for debug/info, stderr for warn/error). */
export const consoleLogger: Logger = createJsonLogger((level, line) =>
  console[level === 'info' ? 'log' : level](line),
);

/**
 * `logger` with every call guarded, or the console logger: a logger of the user's that throws
 * (a transport down) must not turn a request into a 500, least of all one already delivered.
 */
export function loggerOrConsole(logger: Logger | undefined): Logger {
  if (!logger) return consoleLogger;
  return _byLevel((level) => (message, fields) => {
    try {
      // An async logger's rejection is its throw: unheard, it ends a Node process.
      (logger[level](message, fields) as Promise<void> | undefined)?.catch?.(() => {});
    } catch {
      // Nowhere left to say it.
    }
  });
}

/** A logger that drops everything; handy in tests and benchmarks. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
