using System.Collections.Generic;

namespace ArtRest.HelpBuilder
{
    /// <summary>What one block of markdown prose is, once its inline markup is rendered as plain text.</summary>
    public enum TextKind
    {
        Paragraph,
        Code,
        ListItem,
        Table,
    }

    /// <summary>One block of prose: a paragraph, a code block, a list item, or a table (Rows[0] is the header).</summary>
    public sealed class TextBlock
    {
        public TextBlock(TextKind kind, string text, int depth = 0)
        {
            Kind = kind;
            Text = text;
            Depth = depth;
        }

        public TextKind Kind { get; }

        /// <summary>The plain text; for a list item, without its bullet.</summary>
        public string Text { get; }

        /// <summary>The nesting of a list item: 0 for a top-level item.</summary>
        public int Depth { get; }

        /// <summary>For a table, the cells of each row, the header first.</summary>
        public List<string[]> Rows { get; } = new List<string[]>();
    }

    /// <summary>One yaml block under "### -Name": how the parameter binds in the sets it names.</summary>
    public sealed class ParameterBinding
    {
        public string Type { get; set; } = string.Empty;

        /// <summary>Set names, or "(All)".</summary>
        public List<string> ParameterSets { get; } = new List<string>();

        /// <summary>Empty when the yaml said "Aliases:" with no value (platyPS writes it so).</summary>
        public List<string> Aliases { get; } = new List<string>();

        public bool Required { get; set; }

        /// <summary>"Named" or a number, as written.</summary>
        public string Position { get; set; } = "Named";

        public string DefaultValue { get; set; } = "None";

        /// <summary>"False", "True (ByValue)", "True (ByPropertyName)" or "True (ByValue, ByPropertyName)".</summary>
        public string PipelineInput { get; set; } = "False";

        public bool Globbing { get; set; }

        public bool AppliesTo(string parameterSet) =>
            ParameterSets.Contains("(All)") || ParameterSets.Contains(parameterSet);
    }

    public sealed class ParameterHelp
    {
        public ParameterHelp(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public List<TextBlock> Description { get; } = new List<TextBlock>();

        /// <summary>Usually one; platyPS writes one per distinct binding when sets differ.</summary>
        public List<ParameterBinding> Bindings { get; } = new List<ParameterBinding>();

        public bool IsSwitch => Bindings.Count > 0 && Bindings[0].Type == "SwitchParameter";

        public ParameterBinding? BindingFor(string parameterSet) =>
            Bindings.Find(b => b.AppliesTo(parameterSet)) ?? (Bindings.Count > 0 ? Bindings[0] : null);
    }

    /// <summary>One "### Set" of the SYNTAX section: its name and its parameter names in the order written.</summary>
    public sealed class SyntaxHelp
    {
        public SyntaxHelp(string parameterSet, bool isDefault)
        {
            ParameterSet = parameterSet;
            IsDefault = isDefault;
        }

        public string ParameterSet { get; }

        public bool IsDefault { get; }

        public List<string> ParameterNames { get; } = new List<string>();
    }

    public sealed class ExampleHelp
    {
        public ExampleHelp(string title)
        {
            Title = title;
        }

        public string Title { get; }

        /// <summary>Text written before the first code block.</summary>
        public List<TextBlock> Introduction { get; } = new List<TextBlock>();

        public List<string> Code { get; } = new List<string>();

        public List<TextBlock> Remarks { get; } = new List<TextBlock>();
    }

    /// <summary>An entry of INPUTS or OUTPUTS: a type name and what it means.</summary>
    public sealed class TypeHelp
    {
        public TypeHelp(string typeName)
        {
            TypeName = typeName;
        }

        public string TypeName { get; }

        public List<TextBlock> Description { get; } = new List<TextBlock>();
    }

    public sealed class LinkHelp
    {
        public LinkHelp(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        public string Text { get; }

        public string Uri { get; }
    }

    /// <summary>One cmdlet's help, as read from its platyPS markdown file.</summary>
    public sealed class CommandHelp
    {
        public CommandHelp(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public Dictionary<string, string> Metadata { get; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);

        public string Synopsis { get; set; } = string.Empty;

        public List<SyntaxHelp> Syntax { get; } = new List<SyntaxHelp>();

        public List<TextBlock> Description { get; } = new List<TextBlock>();

        public List<ExampleHelp> Examples { get; } = new List<ExampleHelp>();

        public List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();

        public bool HasCommonParameters { get; set; }

        public List<TypeHelp> Inputs { get; } = new List<TypeHelp>();

        public List<TypeHelp> Outputs { get; } = new List<TypeHelp>();

        public List<TextBlock> Notes { get; } = new List<TextBlock>();

        public List<LinkHelp> RelatedLinks { get; } = new List<LinkHelp>();

        public ParameterHelp? Parameter(string name) =>
            Parameters.Find(p => string.Equals(p.Name, name, System.StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A heading of an about topic with the prose under it (Level 1 is the title).</summary>
    public sealed class AboutSection
    {
        public AboutSection(int level, string title)
        {
            Level = level;
            Title = title;
        }

        public int Level { get; }

        public string Title { get; }

        public List<TextBlock> Content { get; } = new List<TextBlock>();
    }

    public sealed class AboutTopic
    {
        public AboutTopic(string name)
        {
            Name = name;
        }

        /// <summary>about_Something.</summary>
        public string Name { get; }

        public List<AboutSection> Sections { get; } = new List<AboutSection>();
    }
}
