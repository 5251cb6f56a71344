//! The SMSC LAN9118 Ethernet controller as a smoltcp `phy::Device`,
//! polled: frames are read from the RX FIFOs when smoltcp asks, and
//! written to the TX FIFO word by word (little-endian, as the FIFOs take
//! them). Its RX FIFO holds about 10 KiB: frames that arrive while it is
//! full are dropped, so the data socket's receive window stays below that
//! (the caller's socket buffers), and the program polls often.

use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::time::Instant;

/// The controller's registers on the AN386.
pub const BASE: usize = 0x4020_0000;

const RX_DATA_FIFO: usize = 0x00;
const TX_DATA_FIFO: usize = 0x20;
const RX_STATUS_FIFO: usize = 0x40;
const ID_REV: usize = 0x50;
const INT_STS: usize = 0x58;
const BYTE_TEST: usize = 0x64;
const TX_CFG: usize = 0x70;
const HW_CFG: usize = 0x74;
const RX_FIFO_INF: usize = 0x7c;
const TX_FIFO_INF: usize = 0x80;
const MAC_CSR_CMD: usize = 0xa4;
const MAC_CSR_DATA: usize = 0xa8;

const MAC_CR: u32 = 1;
const MAC_ADDRH: u32 = 2;
const MAC_ADDRL: u32 = 3;
const MAC_CR_TXEN: u32 = 1 << 3;
const MAC_CR_RXEN: u32 = 1 << 2;
const CSR_BUSY: u32 = 1 << 31;
const CSR_READ: u32 = 1 << 30;
const TX_ON: u32 = 1 << 1;
const HW_CFG_SRST: u32 = 1;
const TX_CMD_A_FIRST: u32 = 1 << 13;
const TX_CMD_A_LAST: u32 = 1 << 12;

/// The largest frame: 1514 bytes and the 4-byte CRC the RX FIFO keeps.
const FRAME: usize = 1518;

/// What went wrong when bringing the controller up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// BYTE_TEST did not read 0x87654321: no LAN9118 there.
    NotFound(u32),
    /// The soft reset did not end.
    ResetStuck,
}

fn read(offset: usize) -> u32 {
    // SAFETY: BASE + offset is one of the LAN9118's 32-bit registers,
    // mapped as device memory on this board.
    unsafe { core::ptr::read_volatile((BASE + offset) as *const u32) }
}

fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile((BASE + offset) as *mut u32, value) }
}

fn mac_write(reg: u32, value: u32) {
    write(MAC_CSR_DATA, value);
    write(MAC_CSR_CMD, CSR_BUSY | reg);
    for _ in 0..1000 {
        if read(MAC_CSR_CMD) & CSR_BUSY == 0 {
            break;
        }
    }
}

fn mac_read(reg: u32) -> u32 {
    write(MAC_CSR_CMD, CSR_BUSY | CSR_READ | reg);
    for _ in 0..1000 {
        if read(MAC_CSR_CMD) & CSR_BUSY == 0 {
            break;
        }
    }
    read(MAC_CSR_DATA)
}

/// Whether a received frame waits in the RX status FIFO.
pub fn frame_waiting() -> bool {
    (read(RX_FIFO_INF) >> 16) & 0xff != 0
}

/// The controller, brought up with a MAC address.
pub struct Lan9118 {
    rx: [u8; FRAME],
    /// Frames dropped for errors the controller reported.
    pub rx_errors: u32,
}

impl Lan9118 {
    /// Resets the controller, checks it is there, sets `mac` and turns the
    /// receiver and transmitter on. Interrupts stay off (polled).
    pub fn init(mac: [u8; 6]) -> Result<Lan9118, InitError> {
        let test = read(BYTE_TEST);
        if test != 0x8765_4321 {
            return Err(InitError::NotFound(test));
        }
        write(HW_CFG, HW_CFG_SRST);
        let mut reset = false;
        for _ in 0..100_000 {
            if read(HW_CFG) & HW_CFG_SRST == 0 {
                reset = true;
                break;
            }
        }
        if !reset {
            return Err(InitError::ResetStuck);
        }
        write(INT_STS, 0xffff_ffff);
        mac_write(
            MAC_ADDRL,
            u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
        );
        mac_write(MAC_ADDRH, u32::from(mac[4]) | u32::from(mac[5]) << 8);
        // Exact address match and broadcast; no promiscuous mode.
        mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);
        write(TX_CFG, TX_ON);
        Ok(Lan9118 {
            rx: [0; FRAME],
            rx_errors: 0,
        })
    }

    /// The chip's ID and revision (0x0118_0001 under QEMU).
    pub fn id(&self) -> u32 {
        read(ID_REV)
    }

    /// The MAC address the controller filters on.
    pub fn mac(&self) -> [u8; 6] {
        let [a, b, c, d] = mac_read(MAC_ADDRL).to_le_bytes();
        let [e, f, _, _] = mac_read(MAC_ADDRH).to_le_bytes();
        [a, b, c, d, e, f]
    }

    /// The next good frame, read into the receive buffer (frames with
    /// errors are skipped; at most a FIFO's worth a call).
    pub(crate) fn receive_frame(&mut self) -> Option<&mut [u8]> {
        for _ in 0..16 {
            if let Some(len) = self.next_frame() {
                return Some(&mut self.rx[..len]);
            }
            if !frame_waiting() {
                return None;
            }
        }
        None
    }

    /// Reads the next frame into the receive buffer; its length.
    fn next_frame(&mut self) -> Option<usize> {
        if !frame_waiting() {
            return None;
        }
        let status = read(RX_STATUS_FIFO);
        let len = ((status >> 16) & 0x3fff) as usize;
        let words = len.div_ceil(4);
        let error = status & (1 << 15) != 0 || !(18..=FRAME).contains(&len);
        for i in 0..words {
            let word = read(RX_DATA_FIFO).to_le_bytes();
            if !error {
                let at = i * 4;
                let n = 4.min(FRAME - at);
                self.rx[at..at + n].copy_from_slice(&word[..n]);
            }
        }
        if error {
            self.rx_errors = self.rx_errors.wrapping_add(1);
            return None;
        }
        // Without the CRC.
        Some(len - 4)
    }
}

/// A received frame.
pub struct Rx<'a>(&'a [u8]);

/// Room for a frame to send.
pub struct Tx;

impl RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        send(len, f)
    }
}

/// Sends a frame of `len` bytes that `f` fills (smoltcp's and
/// embassy-net's transmit tokens).
pub(crate) fn send<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let mut frame = [0u8; FRAME];
    let len = len.min(FRAME - 4);
    let result = f(&mut frame[..len]);
    // One buffer, first and last segment; the packet tag is its length.
    let len32 = len as u32;
    write(TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | len32);
    write(TX_DATA_FIFO, (len32 << 16) | len32);
    for chunk in frame[..len].chunks(4) {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        write(TX_DATA_FIFO, u32::from_le_bytes(word));
    }
    result
}

/// Room in the TX data FIFO for a whole frame and its command words.
pub(crate) fn tx_room() -> bool {
    (read(TX_FIFO_INF) & 0xffff) as usize >= FRAME + 8
}

impl Device for Lan9118 {
    type RxToken<'a> = Rx<'a>;
    type TxToken<'a> = Tx;

    fn receive(&mut self, _: Instant) -> Option<(Rx<'_>, Tx)> {
        self.receive_frame().map(|frame| (Rx(frame), Tx))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx> {
        tx_room().then_some(Tx)
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps.max_burst_size = Some(1);
        caps
    }
}
