/*
| Policies, lazily imported by name. Listed by hand (instead of the generated
| index) so `npm start` works without running the assembler first.
*/
export const policies = {
  UserPolicy: () => import('#policies/user_policy'),
  ConversationPolicy: () => import('#policies/conversation_policy'),
}
