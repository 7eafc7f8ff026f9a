/** Logging: one JSON line per message, with the fields an on-call person needs. */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Level = keyof Logger;

function _line(level: Level, message: string, fields?: LogFields): string {
  try {
    return JSON.stringify({ level, msg: message, time: new Date().toISOString(), ...fields });
  } catch {
    // A field that cannot be serialised (a cycle, a BigInt) must not lose the line.
    return JSON.stringify({ level, msg: message, time: new Date().toISOString() });
  }
}

/** A logger writing one JSON line per call through `write` (benchmarks pass one that drops it). */
export function createJsonLogger(write: (level: Level, line: string) => void): Logger {
  return {
    debug: (message, fields) => write('debug', _line('debug', message, fields)),
    info: (message, fields) => write('info', _line('info', message, fields)),
    warn: (message, fields) => write('warn', _line('warn', message, fields)),
    error: (message, fields) => write('error', _line('error', message, fields)),
  };
}

/** The default logger: JSON lines on the console (stdout for debug/info, stderr for warn/error). */
export const consoleLogger: Logger = {
  debug: (message, fields) => console.debug(_line('debug', message, fields)),
  info: (message, fields) => console.log(_line('info', message, fields)),
  warn: (message, fields) => console.warn(_line('warn', message, fields)),
  error: (message, fields) => console.error(_line('error', message, fields)),
};

/** A logger that drops everything; handy in tests and benchmarks. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
