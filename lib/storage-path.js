'use strict'

// Where persistent sessions keep their data (reference §10): a user-data root standing in for
// Electron's app.getPath('userData'), the default session there, `persist:<name>` under
// <root>/Partitions/<name> as Electron names it.

const os = require('node:os')
const path = require('node:path')
const errors = require('./errors')

let chosen = null

// Electron's userData is <appData>/<app name>; ours is <appData>/electron-net-rs, with appData as
// Electron has it per platform.
function defaultRoot () {
  const home = os.homedir()
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'electron-net-rs')
  }
  if (process.platform === 'darwin') {
    return path.join(home, 'Library', 'Application Support', 'electron-net-rs')
  }
  return path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'electron-net-rs')
}

function userDataRoot () {
  if (chosen === null) {
    const fromEnv = process.env.ELECTRON_NET_RS_USER_DATA
    chosen = fromEnv ? path.resolve(fromEnv) : defaultRoot()
  }
  return chosen
}

function setUserDataPath (dir, tooLate) {
  if (typeof dir !== 'string' || dir === '') throw errors.emptySessionPath()
  if (tooLate) throw errors.userDataPathTooLate()
  chosen = path.resolve(dir)
}

// Electron's MakePartitionName: lower case, then base::EscapePath (percent-escapes control
// characters, space and "#%:<>?[\]^`{|}, and every non-ASCII byte).
function partitionDirectory (name) {
  let escaped = ''
  for (const byte of Buffer.from(name.toLowerCase(), 'utf8')) {
    const ch = String.fromCharCode(byte)
    escaped += byte < 0x20 || byte >= 0x7f || ' "#%:<>?[\\]^`{|}'.includes(ch)
      ? '%' + byte.toString(16).toUpperCase().padStart(2, '0')
      : ch
  }
  return path.join(userDataRoot(), 'Partitions', escaped)
}

module.exports = { userDataRoot, setUserDataPath, partitionDirectory }
