// English guest texts: the reference set. Every other language must have exactly these keys
// (the Messages type checks it). `{name}` is filled in; `one`/`other` pick the plural form.

/** PluralText is a message with a form per CLDR plural category (`other` is required). */
export type PluralText = { one?: string; two?: string; few?: string; many?: string; other: string };

/** MESSAGES_EN are the English guest texts. */
export const MESSAGES_EN = {
  'lang.name': 'English',
  'lang.switch': 'Language',

  'splash.title': 'Get online',
  'splash.intro': 'Type the access code from your ticket or booking e-mail.',
  'splash.code.label': 'Access code',
  'splash.code.hint': 'Upper or lower case, dashes optional. Example: 7KQ4-M2XD',
  'splash.terms.heading': 'Terms of use',
  'splash.terms.accept': 'I accept the terms of use',
  'splash.submit': 'Connect',
  'splash.status.link': 'Already online? See what is left on your code',

  'splash.noRouter':
    'Your code is fine and has not been used yet, but this device is not on the Wi-Fi network “{wifi}”. Join that network, then open any web page: the sign-in page comes up, and you type your code there.',
  'splash.noRouter.unnamed':
    "Your code is fine and has not been used yet, but this device is not on the venue's Wi-Fi. Join the venue's Wi-Fi network, then open any web page: the sign-in page comes up, and you type your code there.",
  'splash.noRouter.code': 'Your code: {code}',

  'router.failed': 'The network did not accept the code. Please check it and try again.',
  'router.logoff': 'You are signed out. Type a code to get online again.',
  'router.already': 'This device is already online.',
  'router.message': 'Message from the network: {text}',

  'error.heading': 'That did not work',
  'error.code.missing': 'Please type your access code.',
  'error.code.malformed':
    'That does not look like an access code. Codes have {min} to {max} letters and digits.',
  'error.code.unknown': 'We do not know this code. Check it on your ticket and try again.',
  'error.terms.required': 'Please accept the terms of use to continue.',
  'error.locked': {
    one: 'Too many wrong codes from this device. Please try again in {n} minute.',
    other: 'Too many wrong codes from this device. Please try again in {n} minutes.',
  },
  'error.slowed':
    'Many wrong codes were typed on this network just now. Please wait a few seconds and try again.',
  'error.depleted.title': 'This code has used all its minutes',
  'error.depleted.help': 'Ask at the front desk for a new code.',
  'error.expired.title': 'This code has expired',
  'error.expired.until': 'It was valid until {date}.',
  'error.expired.help': 'Ask at the front desk for a new code.',
  'error.scheduled.title': 'This code works from {date}',
  'error.scheduled.help': 'Please come back then, or ask at the front desk.',
  'error.revoked.title': 'This code has been switched off',
  'error.revoked.help': 'Ask at the front desk for help.',
  'error.devices.title': {
    one: 'This code is already on {n} device',
    other: 'This code is already on {n} devices',
  },
  'error.devices.help': {
    one: 'Sign it out to use the code on this device.',
    other: 'Sign one of them out to use the code on this device.',
  },
  'error.context': 'This page has expired. Please reconnect to the Wi-Fi network and try again.',
  'error.router':
    'The network sent incomplete details. Please reconnect to the Wi-Fi network and try again.',
  'error.controller': 'The network did not let this device on. Please try again, or ask the staff.',
  'error.fasKey':
    'The router and Portico do not share the same faskey, so no code can work here yet. Please tell the staff; your code has not been used.',
  'error.loginHost':
    "This router's login address is not allowed: add it to the router's login hosts in Portico. If you are a guest, please show this page to the staff.",
  'error.signInSetup.title': "This network's sign-in is not set up yet",
  'error.signInSetup':
    'The router and Portico do not share the same UAM secret, so no code can work here yet. Please tell the staff; your code has not been used.',
  'error.notfound': 'This page does not exist. Check the link or type your code again.',
  'error.back': 'Back to the start',

  'success.title': 'You are online',
  'success.continue': 'Continue to {host}',
  'success.status.help': 'Keep this link to see later what is left and to sign devices out:',
  'success.status.link': 'Your code: time left and devices',

  'usage.minutes.left': {
    one: '{n} minute left',
    other: '{n} minutes left',
  },
  'usage.minutes.under': 'Under a minute left',
  'usage.minutes.usedUp': 'Used up: no minutes left',
  'usage.minutes.unlimited': 'No minute limit',
  'usage.minutes.of': { one: 'of {n} minute', other: 'of {n} minutes' },
  'usage.valid.until': 'Valid until {date}',
  'usage.valid.always': 'No end date',
  'usage.first.use': 'Ends {date} (a set time after first use)',
  'usage.devices': 'Devices online: {n} of {max}',
  'usage.low': {
    one: 'Only {n} minute left. Ask at the front desk for more time.',
    other: 'Only {n} minutes left. Ask at the front desk for more time.',
  },
  'usage.low.under': 'Less than a minute left. Ask at the front desk for more time.',

  'status.title': 'Your access code',
  'status.code': 'Code ending in {last}',
  'status.devices.heading': 'Devices online',
  'status.devices.none': 'No device is online with this code right now.',
  'status.device.name': 'Device {mac}',
  'status.device.unknown': 'Device without an address',
  'status.device.since': 'online since {time}',
  'status.device.signout': 'Sign this device out',
  'status.device.signedout': 'The device was signed out.',
  'status.device.gone': 'That device was no longer online.',
  'status.lookup.title': 'See what is left on a code',
  'status.lookup.intro': 'Type your access code to see the time left and the devices using it.',
  'status.lookup.submit': 'Show',
  'status.refresh': 'Refresh',

  'handoff.title': 'Almost there',
  'handoff.intro': 'Tap Continue to finish signing in.',
  'handoff.submit': 'Continue',
} as const satisfies Record<string, string | PluralText>;

/** MessageKey is the name of one guest text. */
export type MessageKey = keyof typeof MESSAGES_EN;

/** Messages is a complete set of guest texts in one language. */
export type Messages = {
  readonly [K in MessageKey]: (typeof MESSAGES_EN)[K] extends string ? string : PluralText;
};
