import type { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import type { I18n } from '@adonisjs/i18n'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Notification from '#models/notification'
import type User from '#models/user'

export interface NotifyOptions {
  /**
   * The caller's transaction: the rows land with it and the live signal goes
   * out only after it commits (nothing is announced for a rolled-back change).
   */
  client?: TransactionClientContract
}

export interface NotificationView {
  id: number
  text: string
  url: string | null
  unread: boolean
  createdAt: DateTime
}

/** Only paths inside the app: a notification must never become an open redirect. */
export function safeUrl(url: string | null | undefined) {
  if (!url) return null
  return /^\/(?![/\\])/.test(url) && !/[\r\n]/.test(url) ? url : null
}

/**
 * In-app notifications behind the bell. Anything in the app (a listener, a
 * job, a plugin) says who should know what; the bell updates live through
 * `notification:created` / `notification:read` → the broadcaster.
 */
export class Notifier {
  async notify(
    userIds: number[],
    kind: string,
    data: Record<string, unknown> = {},
    url: string | null = null,
    options: NotifyOptions = {}
  ) {
    const recipients = [...new Set(userIds)]
    if (!recipients.length) return []
    const rows = await (options.client ?? db)
      .insertQuery()
      .table('notifications')
      .multiInsert(
        recipients.map((userId) => ({
          user_id: userId,
          kind,
          data: JSON.stringify(data),
          url: safeUrl(url),
          created_at: new Date(),
        }))
      )
      .returning(['id', 'user_id'])
    const created = rows.map((row: { id: number | string; user_id: number }) => ({
      id: Number(row.id),
      userId: Number(row.user_id),
      kind,
    }))
    const announce = async () => {
      for (const event of created) await emitter.emit('notification:created', event)
    }
    if (options.client) options.client.after('commit', announce)
    else await announce()
    return created.map((event) => event.id)
  }

  /** Everyone who may act on it: active users whose active role grants the permission (admins always). */
  async notifyWithPermission(
    permission: string,
    kind: string,
    data: Record<string, unknown> = {},
    url: string | null = null,
    options: NotifyOptions = {}
  ) {
    return this.notify(await this.usersWithPermission(permission), kind, data, url, options)
  }

  async usersWithPermission(permission: string) {
    const rows = await db
      .from('users')
      .join('roles', 'roles.id', 'users.role_id')
      .where('users.is_active', true)
      .where('roles.is_active', true)
      .where((query) => {
        query.where('roles.key', 'admin').orWhereExists((grant) => {
          grant
            .from('role_permissions')
            .whereColumn('role_permissions.role_id', 'roles.id')
            .where('role_permissions.permission_key', permission)
        })
      })
      .select('users.id')
    return rows.map((row) => Number(row.id))
  }

  async unreadCount(user: Pick<User, 'id'>) {
    const row = await this.unreadCountQuery(user).first()
    return Number(row?.total ?? 0)
  }

  /** The count as a one-row query (`total`), for the layout to read with its other counters. */
  unreadCountQuery(user: Pick<User, 'id'>) {
    return db
      .from('notifications')
      .where('user_id', user.id)
      .whereNull('read_at')
      .select(db.raw('count(*)::int AS total'))
  }

  /** Marks the user's own notifications read; ids of other users' rows are silently ignored. */
  async markRead(user: Pick<User, 'id'>, ids: number[] | 'all') {
    if (ids !== 'all' && !ids.length) return []
    const query = db.from('notifications').where('user_id', user.id).whereNull('read_at')
    if (ids !== 'all') query.whereIn('id', ids)
    const rows = await query.update({ read_at: new Date() }).returning('id')
    const updated = rows.map((row: { id: number | string }) => Number(row.id))
    if (updated.length) await emitter.emit('notification:read', { userId: user.id, ids: updated })
    return updated
  }

  /** One of the user's own notifications; someone else's is "not found", like a missing one. */
  findOwnOrFail(user: Pick<User, 'id'>, id: number) {
    return Notification.query().where('user_id', user.id).where('id', id).firstOrFail()
  }

  /** Newest first, keyset by id: `before` is the last id of the previous page. */
  async page(
    user: Pick<User, 'id'>,
    { before, perPage = 20 }: { before?: number; perPage?: number } = {}
  ) {
    const rows = await Notification.query()
      .where('user_id', user.id)
      .if(before, (query) => query.where('id', '<', before!))
      .orderBy('id', 'desc')
      .limit(perPage + 1)
    const items = rows.slice(0, perPage)
    return { items, nextBefore: rows.length > perPage ? items[items.length - 1].id : null }
  }

  /**
   * The sentence for the reader: `notifications.kinds.<kind>` with `data` as
   * its arguments, or `kind` itself when it is a full translation key (a
   * plugin's own file). Never throws: a bad message shows a generic line.
   */
  text(notification: Pick<Notification, 'kind' | 'data'>, i18n: I18n) {
    const candidates = [`notifications.kinds.${notification.kind}`, notification.kind]
    for (const key of candidates) {
      if (!i18n.hasMessage(key) && !i18n.hasFallbackMessage(key)) continue
      try {
        return i18n.t(key, notification.data ?? {})
      } catch {
        break
      }
    }
    return i18n.t('notifications.kinds.unknown')
  }

  present(notification: Notification, i18n: I18n): NotificationView {
    return {
      id: notification.id,
      text: this.text(notification, i18n),
      url: safeUrl(notification.url),
      unread: notification.isUnread,
      createdAt: notification.createdAt,
    }
  }
}

const notifier = new Notifier()
export default notifier

declare module '@adonisjs/core/types' {
  interface EventsList {
    /** After commit: a notification row exists for `userId`. */
    'notification:created': { id: number; userId: number; kind: string }
    /** After commit: these notifications of `userId` were marked read. */
    'notification:read': { userId: number; ids: number[] }
  }
}
