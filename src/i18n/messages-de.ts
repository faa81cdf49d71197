// German guest texts. The Messages type makes a missing or extra key a compile error.

import type { Messages } from './messages-en.js';

/** MESSAGES_DE are the German guest texts. */
export const MESSAGES_DE: Messages = {
  'lang.name': 'Deutsch',
  'lang.switch': 'Sprache',

  'splash.title': 'Ins Internet',
  'splash.intro': 'Gib den Zugangscode von deinem Ticket oder aus deiner Buchungs-E-Mail ein.',
  'splash.code.label': 'Zugangscode',
  'splash.code.hint': 'Groß- oder Kleinschreibung, Bindestriche egal. Beispiel: 7KQ4-M2XD',
  'splash.terms.heading': 'Nutzungsbedingungen',
  'splash.terms.accept': 'Ich akzeptiere die Nutzungsbedingungen',
  'splash.submit': 'Verbinden',
  'splash.status.link': 'Schon online? Sieh nach, was dein Code noch hat',

  'splash.noRouter':
    'Dein Code ist in Ordnung und noch nicht verbraucht, aber dieses Gerät ist nicht im WLAN „{wifi}“. Verbinde dich mit diesem WLAN und öffne dann eine beliebige Webseite: Die Anmeldeseite erscheint, und dort gibst du deinen Code ein.',
  'splash.noRouter.unnamed':
    'Dein Code ist in Ordnung und noch nicht verbraucht, aber dieses Gerät ist nicht im WLAN des Hauses. Verbinde dich mit dem WLAN des Hauses und öffne dann eine beliebige Webseite: Die Anmeldeseite erscheint, und dort gibst du deinen Code ein.',
  'splash.noRouter.code': 'Dein Code: {code}',

  'router.failed':
    'Das Netzwerk hat den Code nicht angenommen. Bitte prüfe ihn und versuche es noch einmal.',
  'router.logoff': 'Du bist abgemeldet. Gib einen Code ein, um wieder online zu gehen.',
  'router.already': 'Dieses Gerät ist schon online.',
  'router.message': 'Nachricht vom Netzwerk: {text}',

  'error.heading': 'Das hat nicht geklappt',
  'error.code.missing': 'Bitte gib deinen Zugangscode ein.',
  'error.code.malformed':
    'Das sieht nicht wie ein Zugangscode aus. Codes haben {min} bis {max} Buchstaben und Ziffern.',
  'error.code.unknown':
    'Diesen Code kennen wir nicht. Prüfe ihn auf deinem Ticket und versuche es noch einmal.',
  'error.terms.required': 'Bitte akzeptiere die Nutzungsbedingungen, um fortzufahren.',
  'error.locked': {
    one: 'Zu viele falsche Codes von diesem Gerät. Bitte versuche es in {n} Minute noch einmal.',
    other: 'Zu viele falsche Codes von diesem Gerät. Bitte versuche es in {n} Minuten noch einmal.',
  },
  'error.slowed':
    'In diesem Netz wurden gerade viele falsche Codes eingegeben. Bitte warte ein paar Sekunden und versuche es noch einmal.',
  'error.depleted.title': 'Dieser Code hat alle Minuten verbraucht',
  'error.depleted.help': 'Frag am Empfang nach einem neuen Code.',
  'error.expired.title': 'Dieser Code ist abgelaufen',
  'error.expired.until': 'Er galt bis {date}.',
  'error.expired.help': 'Frag am Empfang nach einem neuen Code.',
  'error.scheduled.title': 'Dieser Code gilt ab {date}',
  'error.scheduled.help': 'Bitte komm dann wieder oder frag am Empfang.',
  'error.revoked.title': 'Dieser Code wurde abgeschaltet',
  'error.revoked.help': 'Frag am Empfang nach Hilfe.',
  'error.devices.title': {
    one: 'Dieser Code ist schon auf {n} Gerät online',
    other: 'Dieser Code ist schon auf {n} Geräten online',
  },
  'error.devices.help': {
    one: 'Melde es ab, um den Code auf diesem Gerät zu nutzen.',
    other: 'Melde eines davon ab, um den Code auf diesem Gerät zu nutzen.',
  },
  'error.context':
    'Diese Seite ist abgelaufen. Bitte verbinde dich neu mit dem WLAN und versuche es noch einmal.',
  'error.router':
    'Das Netzwerk hat unvollständige Angaben geschickt. Bitte verbinde dich neu mit dem WLAN und versuche es noch einmal.',
  'error.controller':
    'Das Netzwerk hat dieses Gerät nicht zugelassen. Bitte versuche es erneut oder frag das Personal.',
  'error.fasKey':
    'Router und Portico haben nicht denselben faskey, deshalb kann hier noch kein Code funktionieren. Bitte sag dem Personal Bescheid; dein Code wurde nicht verbraucht.',
  'error.loginHost':
    'Die Anmeldeadresse dieses Routers ist nicht erlaubt: In Portico beim Router unter „Login hosts“ eintragen. Bitte zeig diese Seite dem Personal.',
  'error.signInSetup.title': 'Die Anmeldung in diesem Netzwerk ist noch nicht eingerichtet',
  'error.signInSetup':
    'Router und Portico haben nicht dasselbe UAM-Secret, daher kann hier noch kein Code funktionieren. Bitte sag dem Personal Bescheid; dein Code wurde nicht verbraucht.',
  'error.notfound':
    'Diese Seite gibt es nicht. Prüfe den Link oder gib deinen Code noch einmal ein.',
  'error.back': 'Zurück zum Anfang',

  'success.title': 'Du bist online',
  'success.continue': 'Weiter zu {host}',
  'success.status.help':
    'Behalte diesen Link, um später die Restzeit zu sehen und Geräte abzumelden:',
  'success.status.link': 'Dein Code: Restzeit und Geräte',

  'usage.minutes.left': {
    one: 'Noch {n} Minute',
    other: 'Noch {n} Minuten',
  },
  'usage.minutes.under': 'Noch weniger als eine Minute',
  'usage.minutes.usedUp': 'Aufgebraucht: keine Minuten mehr',
  'usage.minutes.unlimited': 'Keine Minutengrenze',
  'usage.minutes.of': { one: 'von {n} Minute', other: 'von {n} Minuten' },
  'usage.valid.until': 'Gültig bis {date}',
  'usage.valid.always': 'Kein Enddatum',
  'usage.first.use': 'Endet {date} (eine feste Zeit nach der ersten Nutzung)',
  'usage.devices': 'Geräte online: {n} von {max}',
  'usage.low': {
    one: 'Nur noch {n} Minute. Frag am Empfang nach mehr Zeit.',
    other: 'Nur noch {n} Minuten. Frag am Empfang nach mehr Zeit.',
  },
  'usage.low.under': 'Nur noch weniger als eine Minute. Frag am Empfang nach mehr Zeit.',

  'status.title': 'Dein Zugangscode',
  'status.code': 'Code endet auf {last}',
  'status.devices.heading': 'Geräte online',
  'status.devices.none': 'Gerade ist kein Gerät mit diesem Code online.',
  'status.device.name': 'Gerät {mac}',
  'status.device.unknown': 'Gerät ohne Adresse',
  'status.device.since': 'online seit {time}',
  'status.device.signout': 'Dieses Gerät abmelden',
  'status.device.signedout': 'Das Gerät wurde abgemeldet.',
  'status.device.gone': 'Dieses Gerät war nicht mehr online.',
  'status.lookup.title': 'Sieh nach, was ein Code noch hat',
  'status.lookup.intro':
    'Gib deinen Zugangscode ein, um Restzeit und die Geräte zu sehen, die ihn nutzen.',
  'status.lookup.submit': 'Anzeigen',
  'status.refresh': 'Aktualisieren',

  'handoff.title': 'Fast geschafft',
  'handoff.intro': 'Tippe auf Weiter, um die Anmeldung abzuschließen.',
  'handoff.submit': 'Weiter',
};
