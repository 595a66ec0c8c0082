// Bech32 text encoding: BIP 173's vectors, and the checksum catching typos in recipients.
import Testing
@testable import KeyVault

struct Bech32Tests {
    @Test func decodesBIP173ValidVector() throws {
        // BIP 173 valid string with a 20-byte payload (32 five-bit groups).
        let text = "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
        let data = try Bech32.decode(text, hrp: "abcdef", count: 20).get()
        #expect(Bech32.encode(hrp: "abcdef", data: data) == text)
        #expect((try? Bech32.decode(text.uppercased(), hrp: "abcdef", count: 20).get()) == data)
    }

    @Test func refusesBIP173InvalidVectors() {
        #expect(Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxW", hrp: "abcdef", count: 20) == .failure(.mixedCase))
        #expect(Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxx", hrp: "abcdef", count: 20) == .failure(.checksum))
        #expect(Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxb", hrp: "abcdef", count: 20) == .failure(.badCharacter("b")))
    }

    @Test func roundTripsEveryLength() throws {
        for n in 0...40 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Bech32.encode(hrp: "kvr", data: data)
            #expect(try Bech32.decode(text, hrp: "kvr", count: n).get() == data)
        }
    }

    @Test func everySingleCharacterTypoInARecipientIsCaught() throws {
        let recipient = try CustodianIdentity.generate().recipient!.string
        let chars = Array(recipient), alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
        var tried = 0
        for position in 4..<chars.count {
            for c in alphabet where c != chars[position] {
                var typo = chars
                typo[position] = c
                #expect(throws: KeyVaultError.self) { try Recipient(parsing: String(typo)) }
                tried += 1
            }
        }
        #expect(tried == (chars.count - 4) * 31)
        #expect(try Recipient(parsing: recipient).string == recipient)
        #expect(try Recipient(parsing: "  \(recipient)\n").string == recipient)
    }

    @Test func recipientMessagesSayWhatIsWrong() {
        func message(_ text: String) -> String {
            do { _ = try Recipient(parsing: text); return "" } catch let e as KeyVaultError { return e.message } catch { return "\(error)" }
        }
        let good = (try? CustodianIdentity.generate().recipient!.string) ?? ""
        #expect(message(String(good.dropLast())).contains("not complete"))
        #expect(message("age1" + good.dropFirst(4)).contains("starts 'age1'"))
        #expect(message(good.dropLast() + (good.last == "q" ? "p" : "q")).contains("checksum"))
    }
}
