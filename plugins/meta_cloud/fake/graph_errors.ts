/*
| Graph API error envelopes as CONTRACTS.md A.7 documents them (S4): the
| fake answers with these, so the plugin is tested against Meta's shapes,
| not against its own assumptions.
*/

export interface GraphErrorSpec {
  code: number
  title: string
  details: string
  httpStatus: number
  subcode?: number
  /** Token errors carry no error_data (error-190-token.json). */
  bareMessage?: string
}

/** The documented codes with their typical HTTP status (A.7 table). */
export const GRAPH_ERRORS: Record<number, GraphErrorSpec> = {
  4: {
    code: 4,
    title: 'Application request limit reached',
    details: 'Too many calls',
    httpStatus: 400,
  },
  10: {
    code: 10,
    title: 'Permission denied',
    details: 'Permission is not granted',
    httpStatus: 403,
  },
  100: {
    code: 100,
    title: 'Invalid parameter',
    details: 'Parameter value is not valid',
    httpStatus: 400,
  },
  190: {
    code: 190,
    subcode: 467,
    title: 'Invalid OAuth access token',
    details: '',
    httpStatus: 401,
    bareMessage: 'Error validating access token: The session is invalid.',
  },
  200: {
    code: 200,
    title: 'Permission denied',
    details: 'Permission is not granted',
    httpStatus: 403,
  },
  368: {
    code: 368,
    title: 'Temporarily blocked for policies violations',
    details: 'Temporarily blocked for policies violations',
    httpStatus: 403,
  },
  130429: {
    code: 130429,
    title: 'Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
    httpStatus: 429,
  },
  130472: {
    code: 130472,
    title: "User's number is part of an experiment",
    details: 'Failed to send message because this user is part of an experiment.',
    httpStatus: 400,
  },
  131000: {
    code: 131000,
    title: 'Something went wrong',
    details: 'Message failed to send due to an unknown error.',
    httpStatus: 500,
  },
  131008: {
    code: 131008,
    title: 'Required parameter is missing',
    details: 'A required parameter is missing.',
    httpStatus: 400,
  },
  131009: {
    code: 131009,
    title: 'Parameter value is not valid',
    details: 'One or more parameter values are invalid.',
    httpStatus: 400,
  },
  131026: {
    code: 131026,
    title: 'Message undeliverable',
    details: 'Unable to deliver message.',
    httpStatus: 400,
  },
  131031: {
    code: 131031,
    title: 'Account has been locked',
    details: 'The business account was locked.',
    httpStatus: 403,
  },
  131047: {
    code: 131047,
    title: 'Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    httpStatus: 400,
  },
  131048: {
    code: 131048,
    title: 'Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
    httpStatus: 400,
  },
  131049: {
    code: 131049,
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details:
      'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
    httpStatus: 400,
  },
  131050: {
    code: 131050,
    title: 'User has stopped marketing messages',
    details: 'Unable to deliver marketing message because the user chose to stop them.',
    httpStatus: 400,
  },
  131051: {
    code: 131051,
    title: 'Unsupported message type',
    details: 'Message type is not currently supported.',
    httpStatus: 400,
  },
  131052: {
    code: 131052,
    title: 'Media download error',
    details: 'Unable to download the media sent by the user.',
    httpStatus: 400,
  },
  131053: {
    code: 131053,
    title: 'Media upload error',
    details: 'Unable to upload the media used in the message.',
    httpStatus: 400,
  },
  131056: {
    code: 131056,
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details:
      'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.',
    httpStatus: 400,
  },
  131062: {
    code: 131062,
    title: 'BSUID recipient not supported',
    details: 'Business-scoped user ID recipients are not supported for this message.',
    httpStatus: 400,
  },
  132000: {
    code: 132000,
    title: 'Number of parameters does not match the expected number of params',
    details: 'body: number of localizable_params does not match the expected number of params',
    httpStatus: 400,
  },
  132001: {
    code: 132001,
    title: 'Template name does not exist in the translation',
    details: 'template name does not exist in the language',
    httpStatus: 404,
  },
  132015: {
    code: 132015,
    title: 'Template is paused',
    details: 'Template is paused due to low quality.',
    httpStatus: 400,
  },
  132016: {
    code: 132016,
    title: 'Template is disabled',
    details: 'Template has been disabled.',
    httpStatus: 400,
  },
  133010: {
    code: 133010,
    title: 'Phone number not registered',
    details: 'The phone number is not registered on the WhatsApp Business Platform.',
    httpStatus: 400,
  },
}

let trace = 0

/** `{ error: { message, type, code, error_data, error_subcode?, fbtrace_id } }` for a code. */
export function graphError(code: number, overrides: { details?: string; subcode?: number } = {}) {
  const spec = GRAPH_ERRORS[code] ?? {
    code,
    title: 'Unknown error',
    details: 'Unknown error',
    httpStatus: 400,
  }
  const subcode = overrides.subcode ?? spec.subcode
  const body: Record<string, unknown> = {
    message: spec.bareMessage ?? `(#${code}) ${spec.title}`,
    type: 'OAuthException',
    code,
  }
  if (!spec.bareMessage) {
    body.error_data = { messaging_product: 'whatsapp', details: overrides.details ?? spec.details }
  }
  if (subcode !== undefined) body.error_subcode = subcode
  body.fbtrace_id = `AFake${(++trace).toString(36).padStart(6, '0')}`
  return { status: spec.httpStatus, body: { error: body } }
}

/** The same error as it appears inside a `failed` status webhook (status-failed.json). */
export function webhookError(code: number) {
  const spec = GRAPH_ERRORS[code] ?? { title: 'Unknown error', details: 'Unknown error' }
  return {
    code,
    title: spec.title,
    message: spec.title,
    error_data: { details: spec.details },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  }
}
