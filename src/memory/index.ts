/** Memory: the SQLite database (the only source of truth), its migrations and the conversation log. */
export { openDatabase, toTimestamp, DATABASE_FILE, type Database } from '../shared/database.js';
export { applyMigrations, readCoreMigrations, type Migration } from './migrations.js';
export { ConversationStore, type StoredMessage, type NewMessage, type MessageRole } from './conversations.js';
