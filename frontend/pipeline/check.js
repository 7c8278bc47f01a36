// Argument checks shared by the pipeline modules: a caller's mistake is a
// RangeError that names the argument, the value received and what was expected.

/**
 * Throws unless `value` is one of `choices`.
 * @param {string} what the argument's name, e.g. "sign".
 * @param {*} value what the caller passed.
 * @param {readonly string[]} choices the accepted values.
 */
function checkChoice(what, value, choices) {
  if (!choices.includes(value)) {
    throw new RangeError(`${what} must be one of ${choices.join(", ")}; got ${JSON.stringify(value)}`);
  }
}

/**
 * Throws unless `p` is a percentage in (0, 100].
 * @param {string} what the argument's name, e.g. "clip".
 * @param {number} p
 */
function checkPercent(what, p) {
  if (!(p > 0 && p <= 100)) throw new RangeError(`${what} must be in (0, 100]; got ${p}`);
}

export { checkChoice, checkPercent };
