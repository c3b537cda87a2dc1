// The registry of finding categories: consistent in itself, and the findings tables of README.md
// and docs/report-schema.md list exactly its categories, in its order, with its severities and
// help lines, so the docs cannot drift from what the tool reports. Links ptl::model only.
#include "ptl/finding_categories.h"

#include <QFile>
#include <QSet>
#include <QtTest>

namespace {

QString text(std::string_view view) { return QString::fromUtf8(view); }

QString row(const QString& id, const QString& severity, const QString& help) {
    return QStringList({id, severity, help}).join(QLatin1String(" | "));
}

struct DocumentedCategory {
    QString id, severity, help;
};

// The rows of the table under "## Findings" (up to the next heading); code marks are dropped from
// the help column, which the registry keeps as plain text.
QList<DocumentedCategory> documentedCategories(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
    QList<DocumentedCategory> rows;
    bool inFindings = false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.startsWith(QLatin1String("## "))) inFindings = line == QLatin1String("## Findings");
        if (!inFindings || !line.startsWith(QLatin1String("| `"))) continue;
        const QStringList cells = line.split(QLatin1Char('|'));
        if (cells.size() < 5) continue;  // "", id, severity, ..., help, ""
        QString help = cells[cells.size() - 2].trimmed();
        rows.append({cells[1].trimmed().remove(QLatin1Char('`')), cells[2].trimmed(), help.remove(QLatin1Char('`'))});
    }
    return rows;
}

}  // namespace

class FindingCategoriesTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void categoriesAreConsistent() {
        QSet<QString> ids;
        QStringList familiesSeen;
        for (const ptl::FindingCategory& category : ptl::findingCategories()) {
            const QString id = text(category.id);
            QVERIFY2(!ids.contains(id), qPrintable(id));
            ids.insert(id);
            QVERIFY2(!category.title.empty() && !category.help.empty(), qPrintable(id));
            QVERIFY2(id.startsWith(text(category.family) + QLatin1Char('.')), qPrintable(id));
            QCOMPARE(ptl::findFindingCategory(category.id), &category);
            // Families stay together, so the GUI's family filter lists each once, in this order.
            if (familiesSeen.isEmpty() || familiesSeen.back() != text(category.family)) {
                QVERIFY2(!familiesSeen.contains(text(category.family)), qPrintable(id));
                familiesSeen << text(category.family);
            }
        }
        QStringList families;
        for (const std::string_view family : ptl::findingFamilies()) families << text(family);
        QCOMPARE(families, familiesSeen);
        QCOMPARE(ptl::findFindingCategory("lite.no-such-category"), nullptr);
        QCOMPARE(ptl::findingFamilyOf("lite.no-such-category"), std::string_view("lite"));
    }

    void highlightGroupsFollowTheEnum() {
        const std::vector<ptl::HighlightGroupInfo>& groups = ptl::highlightGroups();
        QCOMPARE(int(groups.size()), ptl::kHighlightGroupCount);
        QSet<QString> roles;
        for (int index = 0; index < int(groups.size()); ++index) {
            const ptl::HighlightGroupInfo& info = groups[size_t(index)];
            QCOMPARE(info.group, ptl::HighlightGroup(index));
            QCOMPARE(&ptl::highlightGroupInfo(info.group), &info);
            QVERIFY(!info.title.empty());
            QVERIFY2(!roles.contains(text(info.colourRole)), "each group needs its own colour");
            roles.insert(text(info.colourRole));
            // A legend entry that no finding can light is a group left behind.
            QVERIFY2(!ptl::categoriesOfHighlight(info.group).empty(), qPrintable(text(info.title)));
            for (const ptl::FindingCategory* category : ptl::categoriesOfHighlight(info.group)) {
                QCOMPARE(category->highlight, info.group);
                QCOMPARE(ptl::colourRole(*category), info.colourRole);
            }
        }
        QVERIFY(ptl::highlightGroupInfo(ptl::HighlightGroup::None).colourRole.empty());
    }

    void docsListTheRegistry_data() {
        QTest::addColumn<QString>("document");
        QTest::newRow("README.md") << QStringLiteral("README.md");
        QTest::newRow("docs/report-schema.md") << QStringLiteral("docs/report-schema.md");
    }

    void docsListTheRegistry() {
        QFETCH(QString, document);
        const QList<DocumentedCategory> rows = documentedCategories(QStringLiteral(PTL_SOURCE_DIR "/") + document);
        const std::vector<ptl::FindingCategory>& categories = ptl::findingCategories();
        for (size_t index = 0; index < categories.size(); ++index) {
            const ptl::FindingCategory& category = categories[index];
            const QString id = text(category.id);
            QVERIFY2(index < size_t(rows.size()), qPrintable(id + QStringLiteral(" is missing from ") + document));
            // Whole rows compared, so a failure names the category.
            const DocumentedCategory& documented = rows[qsizetype(index)];
            const QString severity = QString::fromLatin1(ptl::severityName(category.defaultSeverity));
            QCOMPARE(row(documented.id, documented.severity, documented.help), row(id, severity, text(category.help)));
        }
        QCOMPARE(rows.size(), qsizetype(categories.size()));  // no row for a category that is gone
    }
};

QTEST_GUILESS_MAIN(FindingCategoriesTest)
#include "tst_finding_categories.moc"
