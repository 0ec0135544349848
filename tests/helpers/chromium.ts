import { chromium, type LaunchOptions } from 'playwright'

/**
 * Debian's Chromium (installed by .ci/run with apt), never a downloaded
 * browser build. Background networking is off: the machine has no internet
 * and Chromium would otherwise keep retrying Google's hosts.
 */
export function launchChromium(options: LaunchOptions) {
  return chromium.launch({
    ...options,
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // A fake microphone that needs no permission prompt: voice notes are recorded in tests.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  })
}
