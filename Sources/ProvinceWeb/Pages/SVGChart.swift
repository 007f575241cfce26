import ProvinceCore

/// Charts drawn on the server as SVG: pages need no JavaScript to show them.
enum SVGChart {
    /// Horizontal bars, one a row, labelled with the name and the value (followed by `unit`).
    static func bars(_ rows: [(label: String, value: Int)], width: Int = 640, unit: String = "") -> String {
        let rowHeight = 26
        let labelWidth = 300
        let barSpace = width - labelWidth - 70
        let largest = max(rows.map(\.value).max() ?? 1, 1)
        let height = rows.count * rowHeight + 8
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            """
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 4
            let length = max(1, row.value * barSpace / largest)
            svg += """
                <text x="0" y="\(y + 17)" font-size="12">\(escape(row.label.count > 44 ? row.label.prefix(43) + "…" : row.label))</text>\
                <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="\(rowHeight - 8)" fill="#1f5fa8"/>\
                <text x="\(labelWidth + length + 6)" y="\(y + 17)" font-size="12">\(row.value)\(unit)</text>
                """
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String { XMLText.escaped(text) }
}
