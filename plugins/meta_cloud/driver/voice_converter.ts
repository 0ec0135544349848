import { spawn } from 'node:child_process'

/** Audio Meta accepts as is (A.8); anything else (browser WebM/Opus, WAV…) is converted. */
const ACCEPTED = new Set(['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'])

export function needsVoiceConversion(mime: string) {
  return !ACCEPTED.has(mime.split(';')[0].trim().toLowerCase())
}

/** The ffmpeg binary: Debian's `ffmpeg` package on PATH, or FFMPEG_PATH. */
export function ffmpegPath() {
  return process.env.FFMPEG_PATH || 'ffmpeg'
}

/**
 * Browser recordings (MediaRecorder gives WebM/Opus or MP4/AAC) → OGG/Opus,
 * the only OGG Meta accepts for voice notes. Runs ffmpeg over stdin/stdout,
 * no temp files; mono 16 kHz-48 kHz Opus at 32 kbit/s like WhatsApp's own.
 */
export function toOggOpus(input: Buffer, timeoutMs = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffmpegPath(),
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        'pipe:0',
        '-vn',
        '-ac',
        '1',
        '-c:a',
        'libopus',
        '-b:a',
        '32k',
        '-f',
        'ogg',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] }
    )
    const out: Buffer[] = []
    const err: Buffer[] = []
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (chunk) => out.push(chunk))
    child.stderr.on('data', (chunk) => err.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(
        new Error(`ffmpeg could not run (${error.message}); install the Debian package "ffmpeg"`)
      )
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0 && out.length) resolve(Buffer.concat(out))
      else
        reject(new Error(`ffmpeg failed (${code}): ${Buffer.concat(err).toString().slice(0, 500)}`))
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}
