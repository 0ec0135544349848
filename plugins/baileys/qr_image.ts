import QRCode from 'qrcode'

/** The pairing QR payload as an inline SVG, drawn on the server (no CDN, no client library). */
export function qrSvg(payload: string) {
  return QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'L', margin: 2, width: 264 })
}
