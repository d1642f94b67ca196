/** The assistant object that every channel and test drives. */
export { Steward, type StewardOptions, type HandleOptions, type StatusReport } from './steward.js';
export { formatCommandHelp, builtinCommands } from './builtins.js';
