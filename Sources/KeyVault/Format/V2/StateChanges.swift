// The changes that take one logical state to another, when appends can say it (docs/FORMAT-V2-DESIGN.md, "Commit"):
// how a version-2 writer turns what a command did into a commit.

extension LogicalState {
    /// The changes of a file's first commit, after its base: the whole state (an upgrade, a rewrite).
    var initialChanges: [Change] {
        var changes: [Change] = []
        if dropped > 0 || anchor.contains(where: { $0 != 0 }) {
            var w = ByteWriter(capacity: 40)
            w.u64(dropped)
            w.append(anchor)
            changes.append(Change(type: Change.Kind.logBase.rawValue, body: w.bytes))
        }
        if !records.isEmpty { changes.append(Change(type: Change.Kind.entries.rawValue, body: records.contiguous)) }
        for (type, body) in sections.pairs { changes.append(Change(type: Change.Kind.sectionReplaced.rawValue, body: [UInt8(type)] + body)) }
        if !logItems.isEmpty { changes.append(Change(type: Change.Kind.auditRecords.rawValue, body: logItems.list())) }
        return changes
    }

    /// The changes that take this state to `new`, or nil when appends cannot say it (entries removed or changed,
    /// audit records rewritten): then the file is rewritten. Checked by replaying them.
    func changes(to new: LogicalState) -> [Change]? {
        // Upserts where they say it (a drill result, an escrowed password); whole sections where they do not.
        changes(to: new, upserting: true) ?? changes(to: new, upserting: false)
    }

    private func changes(to new: LogicalState, upserting: Bool) -> [Change]? {
        guard new.records.hasPrefix(records) else { return nil }
        var changes: [Change] = []
        if new.records.count > records.count {
            changes.append(Change(type: Change.Kind.entries.rawValue, body: new.records.dropFirst(records.count).contiguous))
        }
        var replaced: [Change] = [], upserted: [Change] = []
        // Every type either holds, ascending, once.
        let types = (sections.keys + new.sections.keys).sorted()
        for (i, type) in types.enumerated() where (i == 0 || types[i - 1] != type) && sections[type] != new.sections[type] {
            if upserting, Self.isPerEntry(UInt8(type)), let old = sections[type], let now = new.sections[type],
                let items = try? Self.upserts(from: old, to: now)
            {
                upserted.append(Change(type: Change.Kind.itemsUpserted.rawValue, body: [UInt8(type)] + Self.itemList(items)))
            } else {
                replaced.append(Change(type: Change.Kind.sectionReplaced.rawValue, body: [UInt8(type)] + (new.sections[type] ?? [])))
            }
        }
        changes += replaced + upserted
        let before = dropped + UInt64(logItems.count), after = new.dropped + UInt64(new.logItems.count)
        guard after >= before, after - before <= UInt64(new.logItems.count) else { return nil }
        if after > before {
            changes.append(Change(type: Change.Kind.auditRecords.rawValue, body: new.logItems.list(last: Int(after - before))))
        }
        // Replayed without the records both share (checked equal above; megabytes at 100,000 entries, copied for
        // nothing if the replay appended to them): the entries change must then give exactly the rest of `new`'s.
        var replayed = self
        replayed.records = RecordRuns()
        var expected = new
        expected.records = new.records.dropFirst(records.count)
        for change in changes {
            guard (try? replayed.apply(change, commit: 2)) != nil else { return nil }
        }
        replayed.finish()
        return replayed == expected ? changes : nil
    }

    /// The items of `new` that are not in `old` as they are, when every item of `old` is still named in `new`
    /// (an upsert cannot remove one); nil otherwise.
    private static func upserts(from old: [UInt8], to new: [UInt8]) throws -> [[UInt8]]? {
        let before = try items(old[...], max: Int(FormatV1.maxEntries)), after = try items(new[...], max: Int(FormatV1.maxEntries))
        var byKey: [[UInt8]: [UInt8]] = [:]
        for item in before { byKey[try entryKey(of: item)] = item }
        let keys = Set(try after.map(entryKey(of:)))
        guard byKey.keys.allSatisfy(keys.contains) else { return nil }
        // Items keep their places: an upsert replaces in place and appends new ones, so the order must already agree.
        return try after.filter { byKey[try entryKey(of: $0)] != $0 }
    }
}
