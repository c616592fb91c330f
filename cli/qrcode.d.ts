/**
 * The part of the `qrcode` package that `chat serve` uses, typed here so
 * that neither the program nor its tests fetch `@types/qrcode` (and with it
 * `@types/node`) from the npm registry.
 *
 * @module
 */

/** Options of {@linkcode QRCode.toString}. */
export interface QrStringOptions {
  /** `terminal` draws with ANSI colours, `utf8` with block characters. */
  type: "terminal" | "utf8";
  /** Half-height rows (terminal only). */
  small?: boolean;
  /** The quiet zone around the code, in modules. */
  margin?: number;
  /** How much of the code may be damaged and still read. */
  errorCorrectionLevel?: "L" | "M" | "Q" | "H";
}

/** The `qrcode` package's default export, as far as `chat serve` uses it. */
declare const QRCode: {
  /** Draws `text` as a QR code made of characters. */
  toString(text: string, options: QrStringOptions): Promise<string>;
};

export default QRCode;
