/**
 * The bot scopes manifest.json asks for, and what needs each. auth.test reports the scopes a token
 * holds; one missing from it is logged at start-up with the reinstall it needs.
 */
export const REQUIRED_BOT_SCOPES: readonly string[] = [
  'chat:write', // posting requests and updating them
  'chat:write.public', // posting to public channels the bot was not invited to
  'im:write', // direct messages to a user id
  'commands', // /looppause
  'users:read', // users.info
  'users:read.email', // linking a Slack user and an e-mail address (approvers, quorum, sign-in)
  'channels:read', // conversations.members of a public channel
  'groups:read', // conversations.members of a private channel
];
