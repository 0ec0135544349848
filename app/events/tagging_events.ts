/*
| Tagging from the chat screen, emitted after commit with ids only.
|
| conversation:tagged   a tag was put on or taken off the chat (messageId null)
|                       or one of its messages (messageId set).
*/
export interface ConversationTaggedEvent {
  conversationId: number
  messageId: number | null
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'conversation:tagged': ConversationTaggedEvent
  }
}

export const TAGGING_EVENTS = ['conversation:tagged'] as const

export default TAGGING_EVENTS
