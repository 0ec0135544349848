/*
| Edge globals of the chat screen's tag bar and message tag strips. They ask
| for the viewer's tag catalog once per request (see ChatTagMenus); the
| templates that use them are only rendered after the conversation was
| authorized for the viewer.
*/
import edge from 'edge.js'
import type User from '#models/user'
import chatTagMenus from '#services/chat_tag_menus'

edge.global('chatTagMenu', (conversationId: number, user: User) =>
  chatTagMenus.forConversation(conversationId, user)
)
edge.global('messageTagMenu', (message: { id: number }, user: User) =>
  chatTagMenus.forMessage(message, user)
)
