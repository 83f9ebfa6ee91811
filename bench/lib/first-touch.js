'use strict'

// The machine's first-touch cost (issue 23): how long the kernel takes to fault in a fresh 4 KiB
// page, which bounds every large download that lands in new memory (W3, W9, W10 write 256 MiB
// into blocks the kernel must first hand out). A 256 MiB Buffer.allocUnsafeSlow is a fresh
// mapping (glibc mmaps an allocation that large; unsafe means it is not zeroed), so writing one
// byte per page touches 65,536 pages that were never touched. Median of three fresh buffers.
// Compare runs on different machines with this in mind: transparent huge pages, a VM's nested
// paging and memory cgroups all change it.

const PAGE = 4096
const SIZE = 256 * 1024 * 1024

function touchOnce () {
  const buffer = Buffer.allocUnsafeSlow(SIZE)
  const start = process.hrtime.bigint()
  for (let i = 0; i < SIZE; i += PAGE) buffer[i] = 1
  return Number(process.hrtime.bigint() - start) / 1e3 / (SIZE / PAGE)
}

function firstTouch () {
  const runs = [touchOnce(), touchOnce(), touchOnce()].sort((a, b) => a - b)
  return { usPerPage: runs[1], pages: SIZE / PAGE, runs }
}

module.exports = { firstTouch }
