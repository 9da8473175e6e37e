//! The upper halves (bytes 0x80–0xFF) of the code pages Till prints in, generated from
//! Python's codecs (`scripts/gen-codepages`, the command is in its header) — data, checked
//! against the same codecs by `tests` in this crate. `None`: a byte the page leaves undefined.

/// A code page's upper half.
pub type Upper = [Option<char>; 128];

/// CP437 (Python codec `cp437`).
pub const CP437: Upper = [
    Some('\u{00c7}'), Some('\u{00fc}'), Some('\u{00e9}'), Some('\u{00e2}'), Some('\u{00e4}'), Some('\u{00e0}'), Some('\u{00e5}'), Some('\u{00e7}'),
    Some('\u{00ea}'), Some('\u{00eb}'), Some('\u{00e8}'), Some('\u{00ef}'), Some('\u{00ee}'), Some('\u{00ec}'), Some('\u{00c4}'), Some('\u{00c5}'),
    Some('\u{00c9}'), Some('\u{00e6}'), Some('\u{00c6}'), Some('\u{00f4}'), Some('\u{00f6}'), Some('\u{00f2}'), Some('\u{00fb}'), Some('\u{00f9}'),
    Some('\u{00ff}'), Some('\u{00d6}'), Some('\u{00dc}'), Some('\u{00a2}'), Some('\u{00a3}'), Some('\u{00a5}'), Some('\u{20a7}'), Some('\u{0192}'),
    Some('\u{00e1}'), Some('\u{00ed}'), Some('\u{00f3}'), Some('\u{00fa}'), Some('\u{00f1}'), Some('\u{00d1}'), Some('\u{00aa}'), Some('\u{00ba}'),
    Some('\u{00bf}'), Some('\u{2310}'), Some('\u{00ac}'), Some('\u{00bd}'), Some('\u{00bc}'), Some('\u{00a1}'), Some('\u{00ab}'), Some('\u{00bb}'),
    Some('\u{2591}'), Some('\u{2592}'), Some('\u{2593}'), Some('\u{2502}'), Some('\u{2524}'), Some('\u{2561}'), Some('\u{2562}'), Some('\u{2556}'),
    Some('\u{2555}'), Some('\u{2563}'), Some('\u{2551}'), Some('\u{2557}'), Some('\u{255d}'), Some('\u{255c}'), Some('\u{255b}'), Some('\u{2510}'),
    Some('\u{2514}'), Some('\u{2534}'), Some('\u{252c}'), Some('\u{251c}'), Some('\u{2500}'), Some('\u{253c}'), Some('\u{255e}'), Some('\u{255f}'),
    Some('\u{255a}'), Some('\u{2554}'), Some('\u{2569}'), Some('\u{2566}'), Some('\u{2560}'), Some('\u{2550}'), Some('\u{256c}'), Some('\u{2567}'),
    Some('\u{2568}'), Some('\u{2564}'), Some('\u{2565}'), Some('\u{2559}'), Some('\u{2558}'), Some('\u{2552}'), Some('\u{2553}'), Some('\u{256b}'),
    Some('\u{256a}'), Some('\u{2518}'), Some('\u{250c}'), Some('\u{2588}'), Some('\u{2584}'), Some('\u{258c}'), Some('\u{2590}'), Some('\u{2580}'),
    Some('\u{03b1}'), Some('\u{00df}'), Some('\u{0393}'), Some('\u{03c0}'), Some('\u{03a3}'), Some('\u{03c3}'), Some('\u{00b5}'), Some('\u{03c4}'),
    Some('\u{03a6}'), Some('\u{0398}'), Some('\u{03a9}'), Some('\u{03b4}'), Some('\u{221e}'), Some('\u{03c6}'), Some('\u{03b5}'), Some('\u{2229}'),
    Some('\u{2261}'), Some('\u{00b1}'), Some('\u{2265}'), Some('\u{2264}'), Some('\u{2320}'), Some('\u{2321}'), Some('\u{00f7}'), Some('\u{2248}'),
    Some('\u{00b0}'), Some('\u{2219}'), Some('\u{00b7}'), Some('\u{221a}'), Some('\u{207f}'), Some('\u{00b2}'), Some('\u{25a0}'), Some('\u{00a0}'),
];

/// CP850 (Python codec `cp850`).
pub const CP850: Upper = [
    Some('\u{00c7}'), Some('\u{00fc}'), Some('\u{00e9}'), Some('\u{00e2}'), Some('\u{00e4}'), Some('\u{00e0}'), Some('\u{00e5}'), Some('\u{00e7}'),
    Some('\u{00ea}'), Some('\u{00eb}'), Some('\u{00e8}'), Some('\u{00ef}'), Some('\u{00ee}'), Some('\u{00ec}'), Some('\u{00c4}'), Some('\u{00c5}'),
    Some('\u{00c9}'), Some('\u{00e6}'), Some('\u{00c6}'), Some('\u{00f4}'), Some('\u{00f6}'), Some('\u{00f2}'), Some('\u{00fb}'), Some('\u{00f9}'),
    Some('\u{00ff}'), Some('\u{00d6}'), Some('\u{00dc}'), Some('\u{00f8}'), Some('\u{00a3}'), Some('\u{00d8}'), Some('\u{00d7}'), Some('\u{0192}'),
    Some('\u{00e1}'), Some('\u{00ed}'), Some('\u{00f3}'), Some('\u{00fa}'), Some('\u{00f1}'), Some('\u{00d1}'), Some('\u{00aa}'), Some('\u{00ba}'),
    Some('\u{00bf}'), Some('\u{00ae}'), Some('\u{00ac}'), Some('\u{00bd}'), Some('\u{00bc}'), Some('\u{00a1}'), Some('\u{00ab}'), Some('\u{00bb}'),
    Some('\u{2591}'), Some('\u{2592}'), Some('\u{2593}'), Some('\u{2502}'), Some('\u{2524}'), Some('\u{00c1}'), Some('\u{00c2}'), Some('\u{00c0}'),
    Some('\u{00a9}'), Some('\u{2563}'), Some('\u{2551}'), Some('\u{2557}'), Some('\u{255d}'), Some('\u{00a2}'), Some('\u{00a5}'), Some('\u{2510}'),
    Some('\u{2514}'), Some('\u{2534}'), Some('\u{252c}'), Some('\u{251c}'), Some('\u{2500}'), Some('\u{253c}'), Some('\u{00e3}'), Some('\u{00c3}'),
    Some('\u{255a}'), Some('\u{2554}'), Some('\u{2569}'), Some('\u{2566}'), Some('\u{2560}'), Some('\u{2550}'), Some('\u{256c}'), Some('\u{00a4}'),
    Some('\u{00f0}'), Some('\u{00d0}'), Some('\u{00ca}'), Some('\u{00cb}'), Some('\u{00c8}'), Some('\u{0131}'), Some('\u{00cd}'), Some('\u{00ce}'),
    Some('\u{00cf}'), Some('\u{2518}'), Some('\u{250c}'), Some('\u{2588}'), Some('\u{2584}'), Some('\u{00a6}'), Some('\u{00cc}'), Some('\u{2580}'),
    Some('\u{00d3}'), Some('\u{00df}'), Some('\u{00d4}'), Some('\u{00d2}'), Some('\u{00f5}'), Some('\u{00d5}'), Some('\u{00b5}'), Some('\u{00fe}'),
    Some('\u{00de}'), Some('\u{00da}'), Some('\u{00db}'), Some('\u{00d9}'), Some('\u{00fd}'), Some('\u{00dd}'), Some('\u{00af}'), Some('\u{00b4}'),
    Some('\u{00ad}'), Some('\u{00b1}'), Some('\u{2017}'), Some('\u{00be}'), Some('\u{00b6}'), Some('\u{00a7}'), Some('\u{00f7}'), Some('\u{00b8}'),
    Some('\u{00b0}'), Some('\u{00a8}'), Some('\u{00b7}'), Some('\u{00b9}'), Some('\u{00b3}'), Some('\u{00b2}'), Some('\u{25a0}'), Some('\u{00a0}'),
];

/// CP858 (Python codec `cp858`).
pub const CP858: Upper = [
    Some('\u{00c7}'), Some('\u{00fc}'), Some('\u{00e9}'), Some('\u{00e2}'), Some('\u{00e4}'), Some('\u{00e0}'), Some('\u{00e5}'), Some('\u{00e7}'),
    Some('\u{00ea}'), Some('\u{00eb}'), Some('\u{00e8}'), Some('\u{00ef}'), Some('\u{00ee}'), Some('\u{00ec}'), Some('\u{00c4}'), Some('\u{00c5}'),
    Some('\u{00c9}'), Some('\u{00e6}'), Some('\u{00c6}'), Some('\u{00f4}'), Some('\u{00f6}'), Some('\u{00f2}'), Some('\u{00fb}'), Some('\u{00f9}'),
    Some('\u{00ff}'), Some('\u{00d6}'), Some('\u{00dc}'), Some('\u{00f8}'), Some('\u{00a3}'), Some('\u{00d8}'), Some('\u{00d7}'), Some('\u{0192}'),
    Some('\u{00e1}'), Some('\u{00ed}'), Some('\u{00f3}'), Some('\u{00fa}'), Some('\u{00f1}'), Some('\u{00d1}'), Some('\u{00aa}'), Some('\u{00ba}'),
    Some('\u{00bf}'), Some('\u{00ae}'), Some('\u{00ac}'), Some('\u{00bd}'), Some('\u{00bc}'), Some('\u{00a1}'), Some('\u{00ab}'), Some('\u{00bb}'),
    Some('\u{2591}'), Some('\u{2592}'), Some('\u{2593}'), Some('\u{2502}'), Some('\u{2524}'), Some('\u{00c1}'), Some('\u{00c2}'), Some('\u{00c0}'),
    Some('\u{00a9}'), Some('\u{2563}'), Some('\u{2551}'), Some('\u{2557}'), Some('\u{255d}'), Some('\u{00a2}'), Some('\u{00a5}'), Some('\u{2510}'),
    Some('\u{2514}'), Some('\u{2534}'), Some('\u{252c}'), Some('\u{251c}'), Some('\u{2500}'), Some('\u{253c}'), Some('\u{00e3}'), Some('\u{00c3}'),
    Some('\u{255a}'), Some('\u{2554}'), Some('\u{2569}'), Some('\u{2566}'), Some('\u{2560}'), Some('\u{2550}'), Some('\u{256c}'), Some('\u{00a4}'),
    Some('\u{00f0}'), Some('\u{00d0}'), Some('\u{00ca}'), Some('\u{00cb}'), Some('\u{00c8}'), Some('\u{20ac}'), Some('\u{00cd}'), Some('\u{00ce}'),
    Some('\u{00cf}'), Some('\u{2518}'), Some('\u{250c}'), Some('\u{2588}'), Some('\u{2584}'), Some('\u{00a6}'), Some('\u{00cc}'), Some('\u{2580}'),
    Some('\u{00d3}'), Some('\u{00df}'), Some('\u{00d4}'), Some('\u{00d2}'), Some('\u{00f5}'), Some('\u{00d5}'), Some('\u{00b5}'), Some('\u{00fe}'),
    Some('\u{00de}'), Some('\u{00da}'), Some('\u{00db}'), Some('\u{00d9}'), Some('\u{00fd}'), Some('\u{00dd}'), Some('\u{00af}'), Some('\u{00b4}'),
    Some('\u{00ad}'), Some('\u{00b1}'), Some('\u{2017}'), Some('\u{00be}'), Some('\u{00b6}'), Some('\u{00a7}'), Some('\u{00f7}'), Some('\u{00b8}'),
    Some('\u{00b0}'), Some('\u{00a8}'), Some('\u{00b7}'), Some('\u{00b9}'), Some('\u{00b3}'), Some('\u{00b2}'), Some('\u{25a0}'), Some('\u{00a0}'),
];

/// CP852 (Python codec `cp852`).
pub const CP852: Upper = [
    Some('\u{00c7}'), Some('\u{00fc}'), Some('\u{00e9}'), Some('\u{00e2}'), Some('\u{00e4}'), Some('\u{016f}'), Some('\u{0107}'), Some('\u{00e7}'),
    Some('\u{0142}'), Some('\u{00eb}'), Some('\u{0150}'), Some('\u{0151}'), Some('\u{00ee}'), Some('\u{0179}'), Some('\u{00c4}'), Some('\u{0106}'),
    Some('\u{00c9}'), Some('\u{0139}'), Some('\u{013a}'), Some('\u{00f4}'), Some('\u{00f6}'), Some('\u{013d}'), Some('\u{013e}'), Some('\u{015a}'),
    Some('\u{015b}'), Some('\u{00d6}'), Some('\u{00dc}'), Some('\u{0164}'), Some('\u{0165}'), Some('\u{0141}'), Some('\u{00d7}'), Some('\u{010d}'),
    Some('\u{00e1}'), Some('\u{00ed}'), Some('\u{00f3}'), Some('\u{00fa}'), Some('\u{0104}'), Some('\u{0105}'), Some('\u{017d}'), Some('\u{017e}'),
    Some('\u{0118}'), Some('\u{0119}'), Some('\u{00ac}'), Some('\u{017a}'), Some('\u{010c}'), Some('\u{015f}'), Some('\u{00ab}'), Some('\u{00bb}'),
    Some('\u{2591}'), Some('\u{2592}'), Some('\u{2593}'), Some('\u{2502}'), Some('\u{2524}'), Some('\u{00c1}'), Some('\u{00c2}'), Some('\u{011a}'),
    Some('\u{015e}'), Some('\u{2563}'), Some('\u{2551}'), Some('\u{2557}'), Some('\u{255d}'), Some('\u{017b}'), Some('\u{017c}'), Some('\u{2510}'),
    Some('\u{2514}'), Some('\u{2534}'), Some('\u{252c}'), Some('\u{251c}'), Some('\u{2500}'), Some('\u{253c}'), Some('\u{0102}'), Some('\u{0103}'),
    Some('\u{255a}'), Some('\u{2554}'), Some('\u{2569}'), Some('\u{2566}'), Some('\u{2560}'), Some('\u{2550}'), Some('\u{256c}'), Some('\u{00a4}'),
    Some('\u{0111}'), Some('\u{0110}'), Some('\u{010e}'), Some('\u{00cb}'), Some('\u{010f}'), Some('\u{0147}'), Some('\u{00cd}'), Some('\u{00ce}'),
    Some('\u{011b}'), Some('\u{2518}'), Some('\u{250c}'), Some('\u{2588}'), Some('\u{2584}'), Some('\u{0162}'), Some('\u{016e}'), Some('\u{2580}'),
    Some('\u{00d3}'), Some('\u{00df}'), Some('\u{00d4}'), Some('\u{0143}'), Some('\u{0144}'), Some('\u{0148}'), Some('\u{0160}'), Some('\u{0161}'),
    Some('\u{0154}'), Some('\u{00da}'), Some('\u{0155}'), Some('\u{0170}'), Some('\u{00fd}'), Some('\u{00dd}'), Some('\u{0163}'), Some('\u{00b4}'),
    Some('\u{00ad}'), Some('\u{02dd}'), Some('\u{02db}'), Some('\u{02c7}'), Some('\u{02d8}'), Some('\u{00a7}'), Some('\u{00f7}'), Some('\u{00b8}'),
    Some('\u{00b0}'), Some('\u{00a8}'), Some('\u{02d9}'), Some('\u{0171}'), Some('\u{0158}'), Some('\u{0159}'), Some('\u{25a0}'), Some('\u{00a0}'),
];

/// CP866 (Python codec `cp866`).
pub const CP866: Upper = [
    Some('\u{0410}'), Some('\u{0411}'), Some('\u{0412}'), Some('\u{0413}'), Some('\u{0414}'), Some('\u{0415}'), Some('\u{0416}'), Some('\u{0417}'),
    Some('\u{0418}'), Some('\u{0419}'), Some('\u{041a}'), Some('\u{041b}'), Some('\u{041c}'), Some('\u{041d}'), Some('\u{041e}'), Some('\u{041f}'),
    Some('\u{0420}'), Some('\u{0421}'), Some('\u{0422}'), Some('\u{0423}'), Some('\u{0424}'), Some('\u{0425}'), Some('\u{0426}'), Some('\u{0427}'),
    Some('\u{0428}'), Some('\u{0429}'), Some('\u{042a}'), Some('\u{042b}'), Some('\u{042c}'), Some('\u{042d}'), Some('\u{042e}'), Some('\u{042f}'),
    Some('\u{0430}'), Some('\u{0431}'), Some('\u{0432}'), Some('\u{0433}'), Some('\u{0434}'), Some('\u{0435}'), Some('\u{0436}'), Some('\u{0437}'),
    Some('\u{0438}'), Some('\u{0439}'), Some('\u{043a}'), Some('\u{043b}'), Some('\u{043c}'), Some('\u{043d}'), Some('\u{043e}'), Some('\u{043f}'),
    Some('\u{2591}'), Some('\u{2592}'), Some('\u{2593}'), Some('\u{2502}'), Some('\u{2524}'), Some('\u{2561}'), Some('\u{2562}'), Some('\u{2556}'),
    Some('\u{2555}'), Some('\u{2563}'), Some('\u{2551}'), Some('\u{2557}'), Some('\u{255d}'), Some('\u{255c}'), Some('\u{255b}'), Some('\u{2510}'),
    Some('\u{2514}'), Some('\u{2534}'), Some('\u{252c}'), Some('\u{251c}'), Some('\u{2500}'), Some('\u{253c}'), Some('\u{255e}'), Some('\u{255f}'),
    Some('\u{255a}'), Some('\u{2554}'), Some('\u{2569}'), Some('\u{2566}'), Some('\u{2560}'), Some('\u{2550}'), Some('\u{256c}'), Some('\u{2567}'),
    Some('\u{2568}'), Some('\u{2564}'), Some('\u{2565}'), Some('\u{2559}'), Some('\u{2558}'), Some('\u{2552}'), Some('\u{2553}'), Some('\u{256b}'),
    Some('\u{256a}'), Some('\u{2518}'), Some('\u{250c}'), Some('\u{2588}'), Some('\u{2584}'), Some('\u{258c}'), Some('\u{2590}'), Some('\u{2580}'),
    Some('\u{0440}'), Some('\u{0441}'), Some('\u{0442}'), Some('\u{0443}'), Some('\u{0444}'), Some('\u{0445}'), Some('\u{0446}'), Some('\u{0447}'),
    Some('\u{0448}'), Some('\u{0449}'), Some('\u{044a}'), Some('\u{044b}'), Some('\u{044c}'), Some('\u{044d}'), Some('\u{044e}'), Some('\u{044f}'),
    Some('\u{0401}'), Some('\u{0451}'), Some('\u{0404}'), Some('\u{0454}'), Some('\u{0407}'), Some('\u{0457}'), Some('\u{040e}'), Some('\u{045e}'),
    Some('\u{00b0}'), Some('\u{2219}'), Some('\u{00b7}'), Some('\u{221a}'), Some('\u{2116}'), Some('\u{00a4}'), Some('\u{25a0}'), Some('\u{00a0}'),
];

/// WPC1252 (Python codec `cp1252`).
pub const WPC1252: Upper = [
    Some('\u{20ac}'), None, Some('\u{201a}'), Some('\u{0192}'), Some('\u{201e}'), Some('\u{2026}'), Some('\u{2020}'), Some('\u{2021}'),
    Some('\u{02c6}'), Some('\u{2030}'), Some('\u{0160}'), Some('\u{2039}'), Some('\u{0152}'), None, Some('\u{017d}'), None,
    None, Some('\u{2018}'), Some('\u{2019}'), Some('\u{201c}'), Some('\u{201d}'), Some('\u{2022}'), Some('\u{2013}'), Some('\u{2014}'),
    Some('\u{02dc}'), Some('\u{2122}'), Some('\u{0161}'), Some('\u{203a}'), Some('\u{0153}'), None, Some('\u{017e}'), Some('\u{0178}'),
    Some('\u{00a0}'), Some('\u{00a1}'), Some('\u{00a2}'), Some('\u{00a3}'), Some('\u{00a4}'), Some('\u{00a5}'), Some('\u{00a6}'), Some('\u{00a7}'),
    Some('\u{00a8}'), Some('\u{00a9}'), Some('\u{00aa}'), Some('\u{00ab}'), Some('\u{00ac}'), Some('\u{00ad}'), Some('\u{00ae}'), Some('\u{00af}'),
    Some('\u{00b0}'), Some('\u{00b1}'), Some('\u{00b2}'), Some('\u{00b3}'), Some('\u{00b4}'), Some('\u{00b5}'), Some('\u{00b6}'), Some('\u{00b7}'),
    Some('\u{00b8}'), Some('\u{00b9}'), Some('\u{00ba}'), Some('\u{00bb}'), Some('\u{00bc}'), Some('\u{00bd}'), Some('\u{00be}'), Some('\u{00bf}'),
    Some('\u{00c0}'), Some('\u{00c1}'), Some('\u{00c2}'), Some('\u{00c3}'), Some('\u{00c4}'), Some('\u{00c5}'), Some('\u{00c6}'), Some('\u{00c7}'),
    Some('\u{00c8}'), Some('\u{00c9}'), Some('\u{00ca}'), Some('\u{00cb}'), Some('\u{00cc}'), Some('\u{00cd}'), Some('\u{00ce}'), Some('\u{00cf}'),
    Some('\u{00d0}'), Some('\u{00d1}'), Some('\u{00d2}'), Some('\u{00d3}'), Some('\u{00d4}'), Some('\u{00d5}'), Some('\u{00d6}'), Some('\u{00d7}'),
    Some('\u{00d8}'), Some('\u{00d9}'), Some('\u{00da}'), Some('\u{00db}'), Some('\u{00dc}'), Some('\u{00dd}'), Some('\u{00de}'), Some('\u{00df}'),
    Some('\u{00e0}'), Some('\u{00e1}'), Some('\u{00e2}'), Some('\u{00e3}'), Some('\u{00e4}'), Some('\u{00e5}'), Some('\u{00e6}'), Some('\u{00e7}'),
    Some('\u{00e8}'), Some('\u{00e9}'), Some('\u{00ea}'), Some('\u{00eb}'), Some('\u{00ec}'), Some('\u{00ed}'), Some('\u{00ee}'), Some('\u{00ef}'),
    Some('\u{00f0}'), Some('\u{00f1}'), Some('\u{00f2}'), Some('\u{00f3}'), Some('\u{00f4}'), Some('\u{00f5}'), Some('\u{00f6}'), Some('\u{00f7}'),
    Some('\u{00f8}'), Some('\u{00f9}'), Some('\u{00fa}'), Some('\u{00fb}'), Some('\u{00fc}'), Some('\u{00fd}'), Some('\u{00fe}'), Some('\u{00ff}'),
];
