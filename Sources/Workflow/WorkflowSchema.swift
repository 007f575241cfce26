import ProvinceStore

/// The working-day calendar's adjustments and the process definitions.
public enum WorkflowSchema {
    /// Its steps in the order they were released: additive, never edited once released.
    public static let schema = ModuleSchema(
        module: "workflow",
        steps: [
            SchemaStep(
                "0010-calendar-adjustments",
                [
                    // The operator's changes to a year's working days, as the government announces them: a day given off
                    // or a day worked (kind), by date (YYYY-MM-DD).
                    """
                    CREATE TABLE calendar_adjustments (
                        day TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at TEXT NOT NULL)
                    """
                ]
            ),
            SchemaStep(
                "0012-process-definitions",
                [
                    // Workflows as data: the whole definition as JSON text, checked before it is saved.
                    """
                    CREATE TABLE process_definitions (
                        code TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
                    """
                ]
            ),
        ]
    )
}
