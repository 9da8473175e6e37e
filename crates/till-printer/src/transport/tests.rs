#![allow(clippy::unwrap_used)]

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::tcp::Tcp;
use super::usb::{self, Usb};
use super::*;

// ---- addresses ----

#[test]
fn tcp_urls_parse_with_host_names_and_the_default_port() {
    let tcp = |host: &str, port| PrinterUrl::Tcp { host: host.to_string(), port };
    assert_eq!(PrinterUrl::parse("tcp://192.168.1.50:9100").unwrap(), tcp("192.168.1.50", 9100));
    assert_eq!(PrinterUrl::parse("tcp://printer.local:9101").unwrap(), tcp("printer.local", 9101));
    assert_eq!(PrinterUrl::parse("tcp://printer").unwrap(), tcp("printer", 9100));
    assert_eq!(PrinterUrl::parse("tcp://printer/").unwrap(), tcp("printer", 9100));
    assert_eq!(PrinterUrl::parse("TCP://printer:1").unwrap(), tcp("printer", 1));
    assert_eq!(PrinterUrl::parse("tcp://[::1]:9100").unwrap(), tcp("::1", 9100));
    assert_eq!(PrinterUrl::parse("tcp://[fe80::1]").unwrap(), tcp("fe80::1", 9100));
}

#[test]
fn serial_urls_parse_with_the_default_and_a_given_baud_rate() {
    let serial = |path: &str, baud| PrinterUrl::Serial { path: path.to_string(), baud };
    assert_eq!(PrinterUrl::parse("serial:///dev/ttyUSB0").unwrap(), serial("/dev/ttyUSB0", 9600));
    assert_eq!(PrinterUrl::parse("serial:///dev/ttyUSB0?baud=19200").unwrap(), serial("/dev/ttyUSB0", 19200));
    assert_eq!(PrinterUrl::parse("serial://COM3?baud=115200").unwrap(), serial("COM3", 115200));
}

#[test]
fn usb_urls_parse_hex_ids() {
    assert_eq!(PrinterUrl::parse("usb://04b8:0e28").unwrap(), PrinterUrl::Usb { vendor: 0x04b8, product: 0x0e28 });
    assert_eq!(PrinterUrl::parse("usb://0DD4:01A8").unwrap(), PrinterUrl::Usb { vendor: 0x0dd4, product: 0x01a8 });
}

#[test]
fn urls_display_in_full_and_parse_back() {
    for (given, full) in [
        ("tcp://printer", "tcp://printer:9100"),
        ("tcp://[::1]", "tcp://[::1]:9100"),
        ("serial:///dev/ttyS0", "serial:///dev/ttyS0?baud=9600"),
        ("usb://04B8:0E28", "usb://04b8:0e28"),
    ] {
        let url = PrinterUrl::parse(given).unwrap();
        assert_eq!(url.to_string(), full);
        assert_eq!(full.parse::<PrinterUrl>().unwrap(), url);
    }
}

#[test]
fn bad_urls_say_what_is_wrong() {
    let forms = "expected tcp://HOST[:PORT], serial://PATH[?baud=N] or usb://VID:PID";
    for (url, message) in [
        ("printer:9100", format!("printer 'printer:9100': {forms}")),
        ("lpt://1", format!("printer 'lpt://1': {forms}")),
        ("", format!("printer '': {forms}")),
        ("tcp://", "printer 'tcp://': no host name".to_string()),
        ("tcp://:9100", "printer 'tcp://:9100': no host name".to_string()),
        ("tcp://printer:", "printer 'tcp://printer:': port '' is not a number from 1 to 65535".to_string()),
        ("tcp://printer:0", "printer 'tcp://printer:0': port '0' is not a number from 1 to 65535".to_string()),
        ("tcp://printer:70000", "printer 'tcp://printer:70000': port '70000' is not a number from 1 to 65535".into()),
        ("tcp://printer:+91", "printer 'tcp://printer:+91': port '+91' is not a number from 1 to 65535".into()),
        (
            "tcp://::1:9100",
            "printer 'tcp://::1:9100': an IPv6 address goes in brackets, e.g. tcp://[fe80::1]:9100".into(),
        ),
        ("tcp://[::1", "printer 'tcp://[::1': '[' of an IPv6 address without its ']'".into()),
        ("tcp://[::1]9100", "printer 'tcp://[::1]9100': unexpected '9100' after ']'".into()),
        ("tcp://a b:9100", "printer 'tcp://a b:9100': host name 'a b' contains ' '".into()),
        ("tcp://p/x:9100", "printer 'tcp://p/x:9100': host name 'p/x' contains '/'".into()),
        ("serial://", "printer 'serial://': no device path (e.g. serial:///dev/ttyUSB0)".into()),
        ("serial://?baud=9600", "printer 'serial://?baud=9600': no device path (e.g. serial:///dev/ttyUSB0)".into()),
        (
            "serial:///dev/ttyS0?baud=fast",
            "printer 'serial:///dev/ttyS0?baud=fast': baud rate 'fast' is not a positive number".into(),
        ),
        (
            "serial:///dev/ttyS0?baud=0",
            "printer 'serial:///dev/ttyS0?baud=0': baud rate '0' is not a positive number".into(),
        ),
        (
            "serial:///dev/ttyS0?parity=even",
            "printer 'serial:///dev/ttyS0?parity=even': unknown option 'parity=even' (the one option is baud=N)".into(),
        ),
        ("usb://zz:1", "printer 'usb://zz:1': vendor id 'zz' is not 4 hex digits".into()),
        ("usb://04b8:e28", "printer 'usb://04b8:e28': product id 'e28' is not 4 hex digits".into()),
        ("usb://04b8:+e28", "printer 'usb://04b8:+e28': product id '+e28' is not 4 hex digits".into()),
        (
            "usb://04b80e28",
            "printer 'usb://04b80e28': expected usb://VID:PID in hex, e.g. usb://04b8:0e28, not '04b80e28'".into(),
        ),
    ] {
        let e = PrinterUrl::parse(url).unwrap_err();
        assert_eq!(e.to_string(), message, "{url}");
        // The functions callers use refuse it the same way, before touching anything.
        assert_eq!(send(url, b"x").unwrap_err().to_string(), message);
        assert_eq!(status(url).unwrap_err().to_string(), message);
    }
}

// ---- a fake printer ----

/// Plays an ESC/POS printer on `stream`: answers each DLE EOT n with `answers` for n = 1,
/// 2 and 4, and returns everything received once `done` holds for it (or the other end
/// closed, or after 10 s as a guard against hanging the test run).
fn fake_printer(mut stream: impl Read + Write, answers: [u8; 3], done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let guard = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !done(&got) && Instant::now() < guard {
        match stream.read(&mut b) {
            Ok(0) => break,
            Ok(_) => got.push(b[0]),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => continue,
            Err(_) => break,
        }
        if let [.., 0x10, 0x04, n] = got[..] {
            let answer = match n {
                1 => answers[0],
                2 => answers[1],
                4 => answers[2],
                _ => continue,
            };
            stream.write_all(&[answer]).unwrap();
            stream.flush().unwrap();
        }
    }
    got
}

/// Three DLE EOT queries, 1, 2 and 4.
fn queries(got: &[u8]) -> bool {
    got.ends_with(&[0x10, 0x04, 4])
}

const READY: [u8; 3] = [0x12, 0x12, 0x12];
/// Paper out: the offline cause says printing stopped at the paper end (0x20), the paper
/// sensors say the roll is out (0x60).
const PAPER_OUT: [u8; 3] = [0x12, 0x12 | 0x20, 0x12 | 0x60];

// ---- TCP ----

#[test]
fn tcp_send_and_status_reach_a_printer_by_host_name() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://localhost:{}", listener.local_addr().unwrap().port());
    let printer = thread::spawn(move || {
        let (mut job, _) = listener.accept().unwrap();
        let mut printed = Vec::new();
        job.read_to_end(&mut printed).unwrap();
        let (query, _) = listener.accept().unwrap();
        let asked = fake_printer(query, [0x12 | 0x04, 0x12 | 0x04, 0x12 | 0x0c], queries);
        (printed, asked)
    });
    send(&url, b"\x1b@hello\n").unwrap();
    let status = status(&url).unwrap();
    assert_eq!(
        status,
        PrinterStatus {
            online: true,
            drawer_pin_high: true,
            cover_open: true,
            paper_near_end: true,
            ..Default::default()
        }
    );
    assert_eq!(status.summary(), "cover open");
    let (printed, asked) = printer.join().unwrap();
    assert_eq!(printed, b"\x1b@hello\n");
    assert_eq!(asked, [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4]);
}

#[test]
fn tcp_status_refuses_an_answer_that_is_not_a_status_byte() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let printer =
        thread::spawn(move || fake_printer(listener.accept().unwrap().0, [0xff, 0x12, 0x12], |g| g.len() >= 3));
    let e = status(&url).unwrap_err().to_string();
    assert_eq!(e, format!("printer {url}: answered 0xff to DLE EOT 1: not a status byte"));
    printer.join().unwrap();
}

#[test]
fn tcp_to_a_closed_port_fails_naming_the_printer() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("tcp://127.0.0.1:{port}");
    let e = send(&url, b"x").unwrap_err().to_string();
    assert!(e.starts_with(&format!("printer {url}: connecting to 127.0.0.1:{port}: ")), "{e}");
    let e = status(&url).unwrap_err().to_string();
    assert!(e.starts_with(&format!("printer {url}: connecting to 127.0.0.1:{port}: ")), "{e}");
}

#[test]
fn tcp_write_reconnects_when_the_printer_dropped_an_idle_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (dropped, wait_dropped) = std::sync::mpsc::channel();
    let printer = thread::spawn(move || {
        let (mut first, _) = listener.accept().unwrap();
        let mut b = [0u8; 5];
        first.read_exact(&mut b).unwrap();
        drop(first);
        dropped.send(()).unwrap();
        let (mut second, _) = listener.accept().unwrap();
        let mut rest = Vec::new();
        second.read_to_end(&mut rest).unwrap();
        (b, rest)
    });
    let mut tcp = Tcp::connect("127.0.0.1".to_string(), port).unwrap();
    tcp.write_all(b"first").unwrap();
    wait_dropped.recv().unwrap();
    // Until the printer's FIN has arrived there is nothing to notice.
    for _ in 0..500 {
        if tcp.peer_closed() {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    assert!(tcp.peer_closed());
    tcp.write_all(b"second").unwrap();
    drop(tcp);
    let (first, second) = printer.join().unwrap();
    assert_eq!(&first, b"first");
    assert_eq!(second, b"second");
}

// ---- serial ----

/// A pseudo-terminal pair: the printer's end and the path of the port Till opens.
#[cfg(unix)]
fn pty() -> (serialport::TTYPort, serialport::TTYPort, String) {
    use serialport::SerialPort;
    // pair() is not thread-safe on every platform (ptsname).
    static PAIR: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _lock = PAIR.lock().unwrap();
    let (mut printer, port) = serialport::TTYPort::pair().unwrap();
    printer.set_timeout(Duration::from_millis(100)).unwrap();
    let path = port.name().unwrap();
    (printer, port, path)
}

#[cfg(unix)]
#[test]
fn serial_send_and_status_over_a_pseudo_terminal() {
    let (printer_end, _port, path) = pty();
    // The printer's end stays open until the status is read: closed, it would hang up
    // the line under the last answer.
    let printer = thread::spawn(move || {
        let mut printer_end = printer_end;
        let printed = fake_printer(&mut printer_end, READY, |g| g.ends_with(b"\x1dV\x00"));
        let asked = fake_printer(&mut printer_end, PAPER_OUT, queries);
        (printed, asked, printer_end)
    });
    let url = format!("serial://{path}?baud=19200");
    send(&url, b"\x1b@receipt\n\x1dV\x00").unwrap();
    let status = status(&format!("serial://{path}")).unwrap();
    let (printed, asked, _printer_end) = printer.join().unwrap();
    assert_eq!(printed, b"\x1b@receipt\n\x1dV\x00");
    assert_eq!(asked, [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4]);
    assert_eq!(status, PrinterStatus { online: true, paper_out: true, ..Default::default() });
    assert_eq!(status.summary(), "paper out");
}

#[cfg(unix)]
#[test]
fn serial_status_of_a_silent_printer_is_an_error() {
    let (_printer_end, _port, path) = pty();
    let url = format!("serial://{path}");
    let mut connection = Connection::open(&url).unwrap();
    let e = connection.read_byte(Duration::from_millis(50)).unwrap_err();
    assert_eq!(e.to_string(), format!("printer {url}: no answer within 50 ms"));
}

#[test]
fn serial_port_that_does_not_exist_is_named() {
    let e = send("serial:///dev/till-no-such-port", b"x").unwrap_err().to_string();
    assert!(e.starts_with("printer serial:///dev/till-no-such-port: opening /dev/till-no-such-port: "), "{e}");
}

// ---- USB ----

/// A sysfs tree under `root/sys` with a root hub and one USB device per `(lp name,
/// vendor, product)`, each with a printer interface bound to usblp as that name; and
/// `root/dev/usb/` with a node per name (an empty file).
#[cfg(unix)]
fn fake_usb(root: &Path, devices: &[(&str, &str, &str)]) {
    use std::fs;
    use std::os::unix::fs::symlink;
    let hub = root.join("sys/devices/pci0000:00/0000:00:14.0/usb1");
    fs::create_dir_all(&hub).unwrap();
    fs::write(hub.join("idVendor"), "1d6b\n").unwrap();
    fs::write(hub.join("idProduct"), "0002\n").unwrap();
    fs::create_dir_all(root.join("sys/class/usbmisc")).unwrap();
    fs::create_dir_all(root.join("dev/usb")).unwrap();
    for (i, (name, vendor, product)) in devices.iter().enumerate() {
        let device = hub.join(format!("1-{}", i + 1));
        let interface = device.join(format!("1-{}:1.0", i + 1));
        let class_dir = interface.join("usbmisc").join(name);
        fs::create_dir_all(&class_dir).unwrap();
        fs::write(device.join("idVendor"), format!("{vendor}\n")).unwrap();
        fs::write(device.join("idProduct"), format!("{product}\n")).unwrap();
        fs::write(interface.join("bInterfaceClass"), "07\n").unwrap();
        symlink(format!("../../../1-{}:1.0", i + 1), class_dir.join("device")).unwrap();
        let from_class = class_dir.strip_prefix(root.join("sys")).unwrap();
        symlink(Path::new("../..").join(from_class), root.join("sys/class/usbmisc").join(name)).unwrap();
        fs::write(root.join("dev/usb").join(name), "").unwrap();
    }
}

#[cfg(unix)]
#[test]
fn usb_lookup_picks_the_usblp_node_of_the_printer_with_those_ids() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // hiddev0 has the ids too but is no printer: only lpN devices count.
    fake_usb(root, &[("lp0", "0519", "0001"), ("hiddev0", "04b8", "0e28"), ("lp1", "04b8", "0e28")]);
    let (sys, dev) = (root.join("sys"), root.join("dev"));
    assert_eq!(usb::find_node(&sys, &dev, 0x04b8, 0x0e28).unwrap(), dev.join("usb/lp1"));
    assert_eq!(usb::find_node(&sys, &dev, 0x0519, 0x0001).unwrap(), dev.join("usb/lp0"));

    // What is sent goes to that node and no other.
    let mut usb = Usb::open_in(&sys, &dev, 0x04b8, 0x0e28).unwrap();
    usb.write_all(b"\x1b@hello\n").unwrap();
    usb.flush().unwrap();
    drop(usb);
    assert_eq!(std::fs::read(dev.join("usb/lp1")).unwrap(), b"\x1b@hello\n");
    assert_eq!(std::fs::read(dev.join("usb/lp0")).unwrap(), b"");
}

#[cfg(unix)]
#[test]
fn usb_lookup_takes_the_lowest_numbered_of_two_identical_printers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fake_usb(root, &[("lp10", "04b8", "0e28"), ("lp2", "04b8", "0e28")]);
    let found = usb::find_node(&root.join("sys"), &root.join("dev"), 0x04b8, 0x0e28).unwrap();
    assert_eq!(found, root.join("dev/usb/lp2"));
}

#[cfg(unix)]
#[test]
fn usb_printer_not_plugged_in_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (sys, dev) = (root.join("sys"), root.join("dev"));
    // No usblp device at all: the class directory does not even exist.
    let e = usb::find_node(&sys, &dev, 0x04b8, 0x0e28).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
    let looked = sys.join("class/usbmisc");
    assert_eq!(e.to_string(), format!("no USB printer 04b8:0e28 is plugged in (looked in {})", looked.display()));
    // Another printer only.
    fake_usb(root, &[("lp0", "0519", "0001")]);
    let e = Usb::open_in(&sys, &dev, 0x04b8, 0x0e28).err().unwrap();
    assert_eq!(e.to_string(), format!("no USB printer 04b8:0e28 is plugged in (looked in {})", looked.display()));
}

#[test]
fn usb_printer_on_a_real_system_without_it_says_where_it_looked() {
    // No test machine has this printer; the message names the real sysfs directory.
    let e = send("usb://ffff:fffe", b"x").unwrap_err().to_string();
    assert_eq!(e, "printer usb://ffff:fffe: no USB printer ffff:fffe is plugged in (looked in /sys/class/usbmisc)");
}

#[test]
fn usb_node_without_permission_hints_at_the_lp_group() {
    let denied = io::Error::from(io::ErrorKind::PermissionDenied);
    let e = usb::open_error(Path::new("/dev/usb/lp0"), denied);
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    let message = e.to_string();
    assert!(message.starts_with("opening /dev/usb/lp0: permission denied"), "{message}");
    assert!(message.contains("`lp` group"), "{message}");
    let missing = usb::open_error(Path::new("/dev/usb/lp0"), io::Error::from(io::ErrorKind::NotFound));
    assert!(!missing.to_string().contains("group"), "{missing}");
}

/// The usblp node is a character device that blocks on read until the printer answers;
/// a pseudo-terminal behaves the same, so it stands in for the node here.
#[cfg(unix)]
#[test]
fn usb_status_is_read_from_the_node_with_a_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fake_usb(root, &[("lp0", "04b8", "0e28")]);
    let (printer_end, _port, path) = pty();
    std::fs::remove_file(root.join("dev/usb/lp0")).unwrap();
    std::os::unix::fs::symlink(&path, root.join("dev/usb/lp0")).unwrap();
    let open = || Usb::open_in(&root.join("sys"), &root.join("dev"), 0x04b8, 0x0e28).unwrap();

    // Nobody answers yet: the read gives up.
    let mut silent = Connection { url: "usb://04b8:0e28".into(), link: Box::new(open()) };
    let e = silent.read_byte(Duration::from_millis(50)).unwrap_err();
    assert_eq!(e.to_string(), "printer usb://04b8:0e28: no answer within 50 ms");

    let printer = thread::spawn(move || {
        let mut printer_end = printer_end;
        (fake_printer(&mut printer_end, PAPER_OUT, queries), printer_end)
    });
    let status = silent.status().unwrap();
    assert_eq!(status, PrinterStatus { online: true, paper_out: true, ..Default::default() });
    let (asked, _printer_end) = printer.join().unwrap();
    assert_eq!(asked, [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4]);
}
