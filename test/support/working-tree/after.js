// jest's globalTeardown: fails the run when the tests changed a file git tracks or left a file git
// does not ignore (see snapshot.js). Outputs belong in ignored directories or the system's tmpdir.
const { changesBetween, snapshot } = require('./snapshot');

module.exports = function checkWorkingTree() {
  const before = globalThis.__workingTreeBeforeTests;
  const after = snapshot();
  if (before === undefined || after === undefined) return;
  const changes = changesBetween(before, after);
  if (changes.length === 0) return;
  throw new Error(
    `the tests changed the working tree (a file git tracks, or one it does not ignore; or it was edited while they ran):\n  ${changes.join('\n  ')}`,
  );
};
