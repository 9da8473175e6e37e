//! Printing on a USB printer-class device through the Linux `usblp` driver: the printer
//! is found by its vendor and product ids in sysfs, and its `/dev/usb/lpN` node is opened
//! as a file. No libusb and no unsafe code.
//!
//! `/sys/class/usbmisc/lpN/device` links to the USB interface the driver bound; the USB
//! device holding `idVendor` and `idProduct` is the first directory above it with them.
//!
//! Reads from the node block until the printer sends something and a plain file has no
//! read timeout, so status answers are read by a thread of the connection that hands
//! each byte over a channel; waiting on the channel has the timeout. When the printer
//! never answers, that thread stays blocked until it does, the printer is unplugged, or
//! the process ends — one thread per such connection, which then takes the printer's
//! late answer (a status query on a new connection right after may then time out once).
//! Writes have no timeout: the driver holds them while the printer is out of paper.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use super::{Link, no_answer};

/// Where sysfs and device nodes live on a real system.
const SYS_ROOT: &str = "/sys";
const DEV_ROOT: &str = "/dev";
/// How long the reader waits before reading again when the driver hands it nothing.
const IDLE_READ: Duration = Duration::from_millis(20);

/// An open `usblp` node.
pub(super) struct Usb {
    file: File,
    /// Status bytes from the reader thread, once one was asked for.
    answers: Option<Receiver<io::Result<u8>>>,
    /// Tells the reader thread the connection is gone.
    closed: Arc<AtomicBool>,
}

/// The number of an `lpN` name, for `lp` followed by digits only.
fn lp_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("lp")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A hex id file (`idVendor`, `idProduct`) in a sysfs USB device directory.
fn read_id(dir: &Path, file: &str) -> Option<u16> {
    u16::from_str_radix(fs::read_to_string(dir.join(file)).ok()?.trim(), 16).ok()
}

/// The USB device directory above the interface `device` links to: the first one, the
/// interface itself included, that has an `idVendor` file.
fn usb_device_dir(device: &Path) -> Option<PathBuf> {
    let interface = fs::canonicalize(device).ok()?;
    interface.ancestors().take(4).find(|dir| dir.join("idVendor").is_file()).map(Path::to_path_buf)
}

/// The device node of the printer `vendor:product` under `dev_root` (`/dev/usb/lpN`),
/// found among the `usblp` devices of `sys_root` (`/sys/class/usbmisc/lpN`). With more
/// than one such printer plugged in, the lowest-numbered one.
pub(super) fn find_node(sys_root: &Path, dev_root: &Path, vendor: u16, product: u16) -> io::Result<PathBuf> {
    let class = sys_root.join("class/usbmisc");
    let entries = match fs::read_dir(&class) {
        Ok(entries) => entries.collect::<Result<Vec<_>, _>>()?,
        // The directory appears with the first usblp device.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io::Error::new(e.kind(), format!("reading {}: {e}", class.display()))),
    };
    let mut matching: Vec<(u32, String)> = entries
        .iter()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let n = lp_number(&name)?;
            let dir = usb_device_dir(&entry.path().join("device"))?;
            (read_id(&dir, "idVendor")? == vendor && read_id(&dir, "idProduct")? == product).then_some((n, name))
        })
        .collect();
    matching.sort();
    match matching.into_iter().next() {
        Some((_, name)) => Ok(dev_root.join("usb").join(name)),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no USB printer {vendor:04x}:{product:04x} is plugged in (looked in {})", class.display()),
        )),
    }
}

/// `error` from opening `node`, naming it, with a hint when it is about permissions.
pub(super) fn open_error(node: &Path, error: io::Error) -> io::Error {
    let hint = match error.kind() {
        io::ErrorKind::PermissionDenied => {
            " (the user running Till needs to be in the `lp` group, or a udev rule must give it the printer)"
        }
        _ => "",
    };
    io::Error::new(error.kind(), format!("opening {}: {error}{hint}", node.display()))
}

/// Hands each byte read from `file` over `answers` until the connection is gone, the
/// channel is closed or reading fails (that error handed over last).
fn read_answers(mut file: File, answers: Sender<io::Result<u8>>, closed: Arc<AtomicBool>) {
    let mut buf = [0u8; 64];
    while !closed.load(Ordering::Relaxed) {
        match file.read(&mut buf) {
            // usblp returns nothing when the printer sent an empty packet.
            Ok(0) => thread::sleep(IDLE_READ),
            Ok(n) => {
                if buf[..n].iter().any(|&b| answers.send(Ok(b)).is_err()) {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = answers.send(Err(e));
                return;
            }
        }
    }
}

impl Usb {
    /// Opens the printer `vendor:product` on this system.
    pub(super) fn open(vendor: u16, product: u16) -> io::Result<Usb> {
        Usb::open_in(Path::new(SYS_ROOT), Path::new(DEV_ROOT), vendor, product)
    }

    /// Opens the printer `vendor:product` found under `sys_root`, its node under `dev_root`.
    pub(super) fn open_in(sys_root: &Path, dev_root: &Path, vendor: u16, product: u16) -> io::Result<Usb> {
        let node = find_node(sys_root, dev_root, vendor, product)?;
        let file = OpenOptions::new().read(true).write(true).open(&node).map_err(|e| open_error(&node, e))?;
        Ok(Usb { file, answers: None, closed: Arc::new(AtomicBool::new(false)) })
    }

    fn start_reader(&self) -> io::Result<Receiver<io::Result<u8>>> {
        let file = self.file.try_clone()?;
        let (tx, rx) = mpsc::channel();
        let closed = Arc::clone(&self.closed);
        thread::Builder::new().name("till-usblp-status".into()).spawn(move || read_answers(file, tx, closed))?;
        Ok(rx)
    }
}

impl Drop for Usb {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

impl Link for Usb {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<u8> {
        let answers = match self.answers.take() {
            Some(answers) => answers,
            None => self.start_reader()?,
        };
        match answers.recv_timeout(timeout) {
            Ok(answer) => {
                self.answers = Some(answers);
                answer
            }
            Err(RecvTimeoutError::Timeout) => {
                self.answers = Some(answers);
                Err(no_answer(timeout))
            }
            // The reader ended on an error it already handed over; a new one may do better.
            Err(RecvTimeoutError::Disconnected) => {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "the printer's status channel closed"))
            }
        }
    }
}
