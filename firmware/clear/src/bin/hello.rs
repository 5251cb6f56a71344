#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mps2_an386::{host, lan9118::Lan9118, println};

#[entry]
fn main() -> ! {
    let mut buf = [0u8; 256];
    let args = host::command_line(&mut buf).unwrap_or("");
    println!("args: {args}");
    match Lan9118::init([2, 0, 0, 0, 0, 2]) {
        Ok(nic) => println!("lan9118 {:#010x} mac {:02x?}", nic.id(), nic.mac()),
        Err(e) => println!("lan9118: {e:?}"),
    }
    host::exit(0)
}
