// jest's globalSetup: remembers the working tree as git sees it (see snapshot.js).
const { snapshot } = require('./snapshot');

module.exports = function rememberWorkingTree() {
  globalThis.__workingTreeBeforeTests = snapshot();
};
